//! A client whose calls block the calling thread, for plain `fn main` programs (cargo feature
//! `blocking`), as reqwest's `blocking` module: it runs the async client on a runtime of its
//! own.
//!
//! ```no_run
//! use process_engine_process_control::blocking::ProcessControlClient;
//!
//! fn main() -> Result<(), process_engine_process_control::Error> {
//!     let client = ProcessControlClient::new("http://localhost:56000")?;
//!     let result = client.start_process_instance("hello_world", "the_start_event").send()?;
//!     println!("Started process instance with result {result:?}");
//!     Ok(())
//! }
//! ```
//!
//! Its builders are those of the async client; their `send()` blocks. Do not use it inside an
//! async runtime: a call there fails with [`ErrorKind::Other`](crate::ErrorKind::Other)
//! instead of blocking the runtime's thread.

use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

use process_engine_transport::Client;

use crate::error::Repr;
use crate::mode::{Mode, sealed};
use crate::{
    Deploy, Error, FinishUserTask, ProcessResult, ProcessStartResult, Request,
    StartProcessInstance, TriggerEvent, WaitForResult,
};

/// Calls block the calling thread until the answer is there. Holds the client's runtime.
#[derive(Clone)]
pub struct Blocking {
    runtime: Arc<OwnRuntime>,
}

impl Mode for Blocking {}
impl sealed::Sealed for Blocking {}

impl fmt::Debug for Blocking {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Blocking")
    }
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

impl Blocking {
    fn new() -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| Error::new(Repr::Runtime(error)))?;
        Ok(Blocking {
            runtime: Arc::new(OwnRuntime(Some(runtime))),
        })
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime, Error> {
        self.runtime.0.as_ref().ok_or(Error::new(Repr::Blocking(
            "the blocking client's runtime is gone",
        )))
    }

    /// Runs `future` to its end on the client's runtime.
    pub(crate) fn block_on<T>(
        &self,
        future: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        if tokio::runtime::Handle::try_current().is_ok() {
            return Err(Error::new(Repr::Blocking(
                "the blocking client cannot be used inside an async runtime; use the async client",
            )));
        }
        self.runtime()?.block_on(future)
    }
}

/// The blocking [`ProcessControlClient`](crate::ProcessControlClient): the same methods and
/// builders (through `Deref`), whose `send()` blocks.
#[derive(Clone, Debug)]
pub struct ProcessControlClient {
    inner: crate::ProcessControlClient<Blocking>,
}

impl ProcessControlClient {
    /// A client of the engine at `url`; see
    /// [`ProcessControlClient::new`](crate::ProcessControlClient::new).
    pub fn new(url: &str) -> Result<Self, Error> {
        let mode = Blocking::new()?;
        // The transport's connection pool lives on the client's runtime.
        let client = {
            let _runtime = mode.runtime()?.enter();
            Client::builder(url).build()?
        };
        Ok(ProcessControlClient {
            inner: crate::ProcessControlClient::with_mode(client, mode),
        })
    }

    /// A client on a configured transport.
    pub fn from_client(client: Client) -> Result<Self, Error> {
        Ok(ProcessControlClient {
            inner: crate::ProcessControlClient::with_mode(client, Blocking::new()?),
        })
    }

    /// The same client with another limit for its waits for process instances; see
    /// [`ProcessControlClient::with_wait_limit`](crate::ProcessControlClient::with_wait_limit).
    pub fn with_wait_limit(self, limit: Duration) -> Self {
        ProcessControlClient {
            inner: self.inner.with_wait_limit(limit),
        }
    }
}

impl Deref for ProcessControlClient {
    type Target = crate::ProcessControlClient<Blocking>;

    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl<T> Request<T, Blocking> {
    /// Sends the call and blocks until its answer is there.
    pub fn send(self) -> Result<T, Error> {
        let Request {
            client,
            options,
            exec,
            mode,
        } = self;
        mode.block_on(exec(client, options))
    }
}

/// `send()` of a blocking builder: the async builder's, run on the client's runtime.
macro_rules! blocking_send {
    ($builder:ident { $field:ident } -> $answer:ty) => {
        impl $builder<Blocking> {
            /// Sends it and blocks until the answer is there; see the async `send`.
            pub fn send(self) -> Result<$answer, Error> {
                let (client, mode) = self.client.split();
                mode.block_on(
                    $builder {
                        client,
                        $field: self.$field,
                    }
                    .send(),
                )
            }
        }
    };
}

blocking_send!(StartProcessInstance { start } -> ProcessStartResult);
blocking_send!(Deploy { deployment } -> String);
blocking_send!(WaitForResult { wait } -> Vec<ProcessResult>);
blocking_send!(FinishUserTask { finish } -> ());
blocking_send!(TriggerEvent { event } -> ());
