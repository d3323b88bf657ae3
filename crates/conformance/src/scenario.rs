//! The scenario format (recordings README §2): what a scenario file holds, as serde types.
//!
//! Templates (bodies, matchers, vars, query values) stay `Json` until a run substitutes them.
//! Steps and expectations reject unknown keys, as the recording tool does.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Number;

use crate::json::{Json, present};
use crate::ordered::Ordered;

#[derive(Debug, Deserialize)]
pub(crate) struct Scenario {
    pub(crate) name: String,
    /// What the scenario shows, in prose; copied into its transcripts.
    #[serde(default)]
    pub(crate) description: Option<String>,
    /// Variable → literal: `${variable}` is `<literal>_<run>`, and so is the literal in the
    /// BPMN files.
    #[serde(default)]
    pub(crate) unique: Ordered<String>,
    /// Models deployed before the first step.
    #[serde(default)]
    pub(crate) models: Vec<Model>,
    #[serde(default)]
    pub(crate) vars: Ordered<Json>,
    pub(crate) steps: Vec<Step>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Model {
    /// A file in `bpmn/`.
    pub(crate) file: String,
    /// The deploy name; by default the process id in the (renamed) file.
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// A request step, or a `join` of concurrent steps.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Step {
    #[serde(default)]
    pub(crate) name: Option<String>,
    #[serde(default, rename = "comment")]
    _comment: IgnoredAny,
    #[serde(default)]
    pub(crate) method: Option<String>,
    #[serde(default)]
    pub(crate) path: Option<String>,
    #[serde(default)]
    pub(crate) query: Ordered<Json>,
    /// A `null` value removes the header (in particular the default `Authorization`).
    #[serde(default)]
    pub(crate) headers: Ordered<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    pub(crate) json: Option<Json>,
    #[serde(default, deserialize_with = "present")]
    pub(crate) raw_body: Option<Json>,
    #[serde(default)]
    pub(crate) wait_ms: Option<Number>,
    #[serde(default)]
    pub(crate) timeout_ms: Option<Number>,
    #[serde(default)]
    pub(crate) expect: Expect,
    /// Variable → JSON pointer into the response body.
    #[serde(default)]
    pub(crate) capture: Ordered<String>,
    #[serde(default)]
    pub(crate) repeat_until: Option<Repeat>,
    #[serde(default)]
    pub(crate) concurrently: bool,
    #[serde(default)]
    pub(crate) join: Option<Join>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Expect {
    #[serde(default)]
    pub(crate) status: Option<u16>,
    #[serde(default)]
    pub(crate) content_type: Option<ContentClass>,
    /// The exact Content-Type, compared case- and whitespace-insensitively.
    #[serde(default)]
    pub(crate) content_type_header: Option<String>,
    /// A matcher (see `matcher`).
    #[serde(default, deserialize_with = "present")]
    pub(crate) body: Option<Json>,
    #[serde(default)]
    pub(crate) elapsed_ms: Option<Bounds>,
    /// The request must still be unanswered when `timeout_ms` runs out.
    #[serde(default)]
    pub(crate) no_response: bool,
}

/// How a response body is classed (recordings README §2.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ContentClass {
    /// Content-Type `application/json...` and a non-empty body.
    Json,
    /// A non-empty body of any other Content-Type.
    Text,
    /// A zero-byte body, whatever the headers say.
    Empty,
}

impl fmt::Display for ContentClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Json => "json",
            Self::Text => "text",
            Self::Empty => "empty",
        })
    }
}

/// Bounds on the response time in milliseconds.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Bounds {
    #[serde(default)]
    pub(crate) min: Option<Number>,
    #[serde(default)]
    pub(crate) max: Option<Number>,
}

/// Repeat the request until `expect` holds, for at most `timeout_ms`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Repeat {
    #[serde(default)]
    pub(crate) timeout_ms: Option<Number>,
    #[serde(default)]
    pub(crate) interval_ms: Option<Number>,
}

impl Repeat {
    /// How long to keep asking (default: no repetition).
    pub(crate) fn budget(&self) -> Duration {
        self.timeout_ms.as_ref().map_or(Duration::ZERO, millis)
    }

    /// How long to wait between two attempts (default 200 ms).
    pub(crate) fn interval(&self) -> Duration {
        self.interval_ms
            .as_ref()
            .map_or(Duration::from_millis(200), millis)
    }
}

/// The step(s) a `join` waits for.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum Join {
    One(String),
    Many(Vec<String>),
}

impl Join {
    pub(crate) fn names(&self) -> &[String] {
        match self {
            Self::One(name) => std::slice::from_ref(name),
            Self::Many(names) => names,
        }
    }
}

/// A number of milliseconds from the scenario as a duration (negative counts as zero).
pub(crate) fn millis(ms: &Number) -> Duration {
    Duration::from_secs_f64(ms.as_f64().unwrap_or(0.0).max(0.0) / 1000.0)
}
