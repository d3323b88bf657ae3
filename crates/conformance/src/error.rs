//! Defects of a scenario, as opposed to differences in the engine's answers.

use std::fmt;

/// A defect in the scenario itself (not an engine difference).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ScenarioError {
    /// A `${name}` that is not defined; usually a capture that failed in an earlier step. The
    /// step is then reported as `not run` and the scenario goes on.
    Undefined(String),
    /// Anything else wrong with the scenario; it ends the scenario.
    Invalid(String),
}

impl ScenarioError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into())
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Undefined(name) => write!(f, "undefined variable ${{{name}}}"),
            Self::Invalid(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for ScenarioError {}

pub(crate) type Result<T, E = ScenarioError> = std::result::Result<T, E>;
