//! When a start answers.

/// When [`start_process_instance`](crate::ProcessControlClient::start_process_instance)
/// answers: the Python client's `StartCallbackType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum StartCallbackType {
    /// As soon as the instance is created (the default): the answer has the correlation and
    /// process instance ids only. Later failures of the instance are not reported.
    #[default]
    OnProcessInstanceCreated,
    /// When the instance reaches its first end event: the answer also has the end event and the
    /// token payload there. Waits at most the client's wait limit.
    OnProcessInstanceFinished,
    /// When the instance reaches the end event given with
    /// [`end_event`](crate::StartProcessInstance::end_event) (required). Waits at most the
    /// client's wait limit: an 8.0.0 engine never answers when the instance ends elsewhere.
    OnEndEventReached,
}

impl StartCallbackType {
    /// Whether the start waits for the instance.
    pub(crate) fn waits(self) -> bool {
        self != StartCallbackType::OnProcessInstanceCreated
    }

    /// The engine's number for it.
    pub(crate) fn wire(self) -> i64 {
        match self {
            StartCallbackType::OnProcessInstanceCreated => 1,
            StartCallbackType::OnProcessInstanceFinished => 2,
            StartCallbackType::OnEndEventReached => 3,
        }
    }
}
