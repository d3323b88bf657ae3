//! How a worker stops: the signal helper and the choice for handlers that outlive the deadline.

/// What happens to handlers still running when the shutdown deadline
/// ([`WorkerBuilder::shutdown_timeout`](crate::WorkerBuilder::shutdown_timeout))
/// passes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ShutdownTimeoutAction {
    /// Cancel their tokens, drop them and report nothing (the default): the engine hands each
    /// task out again when its lock runs out, to this worker's successor or another worker. Right
    /// when the work can be done again.
    #[default]
    Abandon,
    /// Cancel their tokens, drop them, and report a service error ("the worker shut down before
    /// the handler finished") for each, so that the process goes on at once (into its error
    /// handling) instead of waiting for the lock to run out. The reports get up to the
    /// worker's report window (5 s) more; whatever is left then is abandoned.
    ReportServiceError,
}

/// Resolves on Ctrl-C, or on SIGTERM on Unix: pass it to
/// [`Worker::run_until`](crate::Worker::run_until) so that a worker
/// stopped by a terminal, systemd, Docker or Kubernetes drains before it exits.
///
/// If a signal handler cannot be installed (no signal support in this process), a warning is
/// logged and that signal is not waited for; with neither, the future never resolves.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::warn!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("Ctrl-C: shutting down"),
        () = terminate => tracing::info!("SIGTERM: shutting down"),
    }
}
