//! Which waiting tasks or events to list.

/// Which waiting user tasks, manual tasks or empty activities to list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskScope {
    /// Those of every instance of a process model.
    ProcessModel(String),
    /// Those of one process instance.
    ProcessInstance(String),
    /// Those of every instance in a correlation.
    Correlation(String),
    /// Those of the instances of a process model in a correlation.
    ProcessModelInCorrelation {
        /// The process model id.
        model: String,
        /// The correlation id.
        correlation: String,
    },
    /// Those of the instances started by the caller's identity.
    Own,
}

impl TaskScope {
    /// Those of every instance of a process model.
    pub fn process_model(id: impl Into<String>) -> Self {
        TaskScope::ProcessModel(id.into())
    }

    /// Those of one process instance.
    pub fn process_instance(id: impl Into<String>) -> Self {
        TaskScope::ProcessInstance(id.into())
    }

    /// Those of every instance in a correlation.
    pub fn correlation(id: impl Into<String>) -> Self {
        TaskScope::Correlation(id.into())
    }

    /// Those of the instances of a process model in a correlation.
    pub fn process_model_in_correlation(
        model: impl Into<String>,
        correlation: impl Into<String>,
    ) -> Self {
        TaskScope::ProcessModelInCorrelation {
            model: model.into(),
            correlation: correlation.into(),
        }
    }
}

/// Which waiting message and signal events to list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventScope {
    /// Those of every instance of a process model.
    ProcessModel(String),
    /// Those of every instance in a correlation.
    Correlation(String),
    /// Those of the instances of a process model in a correlation.
    ProcessModelInCorrelation {
        /// The process model id.
        model: String,
        /// The correlation id.
        correlation: String,
    },
}

impl EventScope {
    /// Those of every instance of a process model.
    pub fn process_model(id: impl Into<String>) -> Self {
        EventScope::ProcessModel(id.into())
    }

    /// Those of every instance in a correlation.
    pub fn correlation(id: impl Into<String>) -> Self {
        EventScope::Correlation(id.into())
    }

    /// Those of the instances of a process model in a correlation.
    pub fn process_model_in_correlation(
        model: impl Into<String>,
        correlation: impl Into<String>,
    ) -> Self {
        EventScope::ProcessModelInCorrelation {
            model: model.into(),
            correlation: correlation.into(),
        }
    }
}
