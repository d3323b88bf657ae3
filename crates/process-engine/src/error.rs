//! One error for applications: whatever layer failed, `?` lifts it into [`Error`].

/// An error of any layer, so that an application's `main` can use `?` on every call.
///
/// It adds nothing of its own: its message and `source()` are those of the layer's error,
/// which the variant holds for matching (the process-control error's `kind()`, the transport
/// error's predicates, ...). New variants may come with new layers.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The transport: the client could not be built, or a call through it failed.
    #[error(transparent)]
    Transport(#[from] process_engine_transport::Error),
    /// A call of the process-control client failed.
    #[cfg(feature = "process-control")]
    #[error(transparent)]
    ProcessControl(#[from] process_engine_process_control::Error),
    /// A worker's subscription was refused (options that cannot work, a topic twice).
    #[cfg(feature = "external-task")]
    #[error(transparent)]
    Subscribe(#[from] process_engine_external_task::SubscribeError),
    /// A worker could not run (no topic subscribed).
    #[cfg(feature = "external-task")]
    #[error(transparent)]
    Worker(#[from] process_engine_external_task::StartError),
    /// The stand-in engine could not start or deploy.
    #[cfg(feature = "testkit")]
    #[error(transparent)]
    Testkit(#[from] process_engine_testkit::Error),
}
