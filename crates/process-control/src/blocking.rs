//! A client whose calls block the calling thread, for plain `fn main` programs (cargo feature
//! `blocking`): it runs the async client on a runtime of its own.
//!
//! ```no_run
//! use process_engine_process_control::Client;
//! use process_engine_process_control::blocking::ProcessControlClient;
//!
//! fn main() -> Result<(), process_engine_process_control::Error> {
//!     let client = ProcessControlClient::new(Client::builder("http://localhost:56000").build()?)?;
//!     let result = client.call(|control| {
//!         control
//!             .start_process_instance("hello_world", "the_start_event")
//!             .send()
//!     })?;
//!     println!("Started process instance with result {result:?}");
//!     Ok(())
//! }
//! ```
//!
//! [`call`](ProcessControlClient::call) hands the async client to a closure that builds any
//! request and returns its `send()`, and blocks until the answer is there: every call of the
//! async client, with its builders as they are, and nothing to add here for a new one. Do not
//! use it inside an async runtime: a call there fails with
//! [`ErrorKind::Other`](crate::ErrorKind::Other) instead of blocking the runtime's thread.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use process_engine_transport::Client;

use crate::Error;
use crate::error::Repr;

/// The blocking [`ProcessControlClient`](crate::ProcessControlClient): the async client and a
/// runtime of its own, on which [`call`](Self::call) runs the async client's calls to their
/// end. Cheap to clone; clones share the runtime.
#[derive(Clone)]
pub struct ProcessControlClient {
    client: crate::ProcessControlClient,
    runtime: Arc<OwnRuntime>,
}

/// The runtime, shut down without waiting when the last clone of the client goes: dropping a
/// runtime the normal way panics when that happens inside another runtime.
struct OwnRuntime(Option<tokio::runtime::Runtime>);

impl Drop for OwnRuntime {
    fn drop(&mut self) {
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

impl ProcessControlClient {
    /// A blocking client calling the engine through `transport`, on a single-threaded runtime
    /// of its own. Fails when the runtime cannot be started.
    ///
    /// Give it a transport of its own rather than one that async code uses too: connections
    /// the pool opens during a blocking call belong to this client's runtime, which runs only
    /// while a call blocks.
    pub fn new(transport: Client) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Error::new(Repr::Runtime(error)))?;
        Ok(ProcessControlClient {
            client: crate::ProcessControlClient::new(transport),
            runtime: Arc::new(OwnRuntime(Some(runtime))),
        })
    }

    /// The same client with another limit for its waits for process instances; see
    /// [`ProcessControlClient::with_wait_limit`](crate::ProcessControlClient::with_wait_limit).
    pub fn with_wait_limit(self, limit: Duration) -> Self {
        ProcessControlClient {
            client: self.client.with_wait_limit(limit),
            runtime: self.runtime,
        }
    }

    /// The limit of the client's waits for process instances.
    pub fn wait_limit(&self) -> Duration {
        self.client.wait_limit()
    }

    /// Makes the call `request` builds with the async client, and blocks until its answer is
    /// there: `request` gets the client, builds the request as with the async client, and
    /// returns its `send()`.
    ///
    /// ```no_run
    /// # use process_engine_process_control::blocking::ProcessControlClient;
    /// # fn run(client: &ProcessControlClient) -> Result<(), process_engine_process_control::Error> {
    /// let models = client.call(|control| control.process_models().send())?;
    /// # let _ = models;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// Fails with [`ErrorKind::Other`](crate::ErrorKind::Other), without calling anything, when
    /// called inside an async runtime, whose thread it would block.
    pub fn call<T, F>(
        &self,
        request: impl FnOnce(&crate::ProcessControlClient) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::new(Repr::Blocking(
                "the blocking client cannot be used inside an async runtime; use the async client",
            )));
        }
        let runtime = self.runtime.0.as_ref().ok_or(Error::new(Repr::Blocking(
            "the blocking client's runtime is gone",
        )))?;
        runtime.block_on(request(&self.client))
    }
}

impl fmt::Debug for ProcessControlClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("blocking::ProcessControlClient")
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}
