//! The task as a handler sees it.

use std::fmt;
use std::sync::Arc;

use process_engine_api_types::models;
use serde_json::Value;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};

/// An external task locked for this worker: its ids, topic, lock expiry, the identity that
/// started its process instance, and a cancellation token.
///
/// Cheap to clone. The token fires when the worker has lost the task's lock (the engine answered
/// an extension with 404, 410 or 423: the task was finished elsewhere, its instance ended, or
/// another worker holds it) or when a shutdown gives up on the handler. The worker then drops
/// the handler's future and does not report its result; the token is for work the handler
/// started outside that future (spawned tasks, blocking threads) to stop too.
#[derive(Clone)]
pub struct ExternalTask {
    inner: Arc<Inner>,
}

struct Inner {
    wire: models::ExternalTask,
    cancellation: CancellationToken,
}

impl ExternalTask {
    pub(crate) fn new(wire: models::ExternalTask, cancellation: CancellationToken) -> Self {
        ExternalTask {
            inner: Arc::new(Inner { wire, cancellation }),
        }
    }

    /// The task's id.
    pub fn id(&self) -> &str {
        &self.inner.wire.id
    }

    /// The topic the task was fetched for.
    pub fn topic(&self) -> &str {
        &self.inner.wire.topic
    }

    /// The worker the task is locked for (this client's worker id).
    pub fn worker_id(&self) -> &str {
        &self.inner.wire.worker_id
    }

    /// The process instance the task belongs to.
    pub fn process_instance_id(&self) -> &str {
        &self.inner.wire.process_instance_id
    }

    /// The process model of the instance.
    pub fn process_model_id(&self) -> &str {
        &self.inner.wire.process_model_id
    }

    /// The correlation the instance runs in.
    pub fn correlation_id(&self) -> &str {
        &self.inner.wire.correlation_id
    }

    /// The flow node instance of the service task.
    pub fn flow_node_instance_id(&self) -> &str {
        &self.inner.wire.flow_node_instance_id
    }

    /// When the lock taken by the fetch runs out, as the engine wrote it (ISO 8601,
    /// `2026-11-23T20:41:32.536Z`). The worker extends it while the handler runs; this is the
    /// expiry before the first extension.
    pub fn lock_expiration_time(&self) -> &str {
        &self.inner.wire.lock_expiration_time
    }

    /// The identity that started the process instance. Its token is a secret: `Debug` hides it.
    pub fn identity(&self) -> &models::Identity {
        &self.inner.wire.identity
    }

    /// The task's payload as the engine sent it, `None` when it sent none.
    pub fn payload(&self) -> Option<&Value> {
        self.inner.wire.payload.as_ref()
    }

    /// The token that fires when the worker gives the task up (see the type's docs).
    pub fn cancellation_token(&self) -> &CancellationToken {
        &self.inner.cancellation
    }

    /// Whether the worker has given the task up.
    pub fn is_cancelled(&self) -> bool {
        self.inner.cancellation.is_cancelled()
    }

    /// Resolves when the worker gives the task up.
    pub fn cancelled(&self) -> WaitForCancellationFuture<'_> {
        self.inner.cancellation.cancelled()
    }
}

impl fmt::Debug for ExternalTask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The payload can be large and personal; the ids say which task it is.
        f.debug_struct("ExternalTask")
            .field("id", &self.id())
            .field("topic", &self.topic())
            .field("process_instance_id", &self.process_instance_id())
            .field("correlation_id", &self.correlation_id())
            .field("lock_expiration_time", &self.lock_expiration_time())
            .field("cancelled", &self.is_cancelled())
            .finish_non_exhaustive()
    }
}
