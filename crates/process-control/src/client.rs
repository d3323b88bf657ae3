//! The client: one engine, a transport, and the limit of its waits for instances.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use process_engine_transport::Client;

use crate::Error;
use crate::mode::{Async, Mode};
use crate::request::Request;
use process_engine_transport::RequestOptions;

/// How long the client waits for a process instance unless told otherwise: a blocking start
/// (callback types 2 and 3) and [`wait_for_result`](ProcessControlClient::wait_for_result).
///
/// The engine itself never gives up on a blocking start, and 8.0.0 never answers a type-3 start
/// whose instance ends at another end event, so the client must.
pub const DEFAULT_WAIT_LIMIT: Duration = Duration::from_secs(300);

/// Starts and steers the process instances of one engine: process models and deployment,
/// starts, results, correlations and instance state, user tasks, manual tasks, empty
/// activities, events.
///
/// Every method returns a builder: set what the call needs and its per-call options
/// ([`RequestOptionsBuilder`](crate::RequestOptionsBuilder): attempt timeout, deadline,
/// identity), then `.send().await`. Cheap to clone; clones share the connection pool.
///
/// `M` is how calls are sent: [`Async`] here, blocking in
/// [`blocking::ProcessControlClient`](crate#blocking) (cargo feature `blocking`).
pub struct ProcessControlClient<M: Mode = Async> {
    shared: Arc<Shared>,
    mode: M,
}

struct Shared {
    transport: Client,
    wait_limit: Duration,
}

impl ProcessControlClient<Async> {
    /// A client of the engine at `url` (`http://localhost:8000`), calling it as the engine's
    /// development identity, with the transport's default timeouts and retries.
    ///
    /// To configure the transport (identity, TLS, timeouts, layers), build a
    /// [`Client`] and use [`from_client`](Self::from_client).
    pub fn new(url: &str) -> Result<Self, Error> {
        Ok(Self::from_client(Client::builder(url).build()?))
    }

    /// A client on a configured transport.
    pub fn from_client(client: Client) -> Self {
        ProcessControlClient::with_mode(client, Async)
    }
}

impl<M: Mode> ProcessControlClient<M> {
    pub(crate) fn with_mode(client: Client, mode: M) -> Self {
        ProcessControlClient {
            shared: Arc::new(Shared {
                transport: client,
                wait_limit: DEFAULT_WAIT_LIMIT,
            }),
            mode,
        }
    }

    /// The same client with another limit for its waits for process instances (blocking starts
    /// and [`wait_for_result`](Self::wait_for_result)); the default is [`DEFAULT_WAIT_LIMIT`].
    /// Each call can override it again.
    pub fn with_wait_limit(self, limit: Duration) -> Self {
        ProcessControlClient {
            shared: Arc::new(Shared {
                transport: self.shared.transport.clone(),
                wait_limit: limit,
            }),
            mode: self.mode,
        }
    }

    /// The limit of the client's waits for process instances.
    pub fn wait_limit(&self) -> Duration {
        self.shared.wait_limit
    }

    /// The transport the client calls the engine through.
    pub fn transport(&self) -> &Client {
        &self.shared.transport
    }

    /// The client as an async one, and its mode: how a blocking builder runs the async code.
    #[cfg(feature = "blocking")]
    pub(crate) fn split(self) -> (ProcessControlClient<Async>, M) {
        (
            ProcessControlClient {
                shared: self.shared,
                mode: Async,
            },
            self.mode,
        )
    }

    /// A [`Request`] running `exec` with the transport and the call's options.
    pub(crate) fn request<T, F, Fut>(&self, exec: F) -> Request<T, M>
    where
        F: FnOnce(Client, RequestOptions) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        Request::new(self.shared.transport.clone(), self.mode.clone(), exec)
    }
}

impl<M: Mode> Clone for ProcessControlClient<M> {
    fn clone(&self) -> Self {
        ProcessControlClient {
            shared: Arc::clone(&self.shared),
            mode: self.mode.clone(),
        }
    }
}

impl<M: Mode> fmt::Debug for ProcessControlClient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProcessControlClient")
            .field("transport", &self.shared.transport)
            .field("wait_limit", &self.shared.wait_limit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{EventScope, TaskRef, TaskScope};

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_futures_of_every_builder_are_send() {
        let client = ProcessControlClient::new("http://localhost:8000").unwrap();
        assert_send(&client.start_process_instance("m", "s").send());
        assert_send(&client.process_models().send());
        assert_send(&client.deploy_bpmn("<x/>").send());
        assert_send(&client.wait_for_result("c", "m").send());
        assert_send(&client.finish_user_task(TaskRef::new("p", "c", "f")).send());
        assert_send(&client.trigger_message("m").send());
        assert_send(&client.user_tasks(TaskScope::Own).send());
        assert_send(&client.events(EventScope::correlation("c")).send());
    }

    #[test]
    fn the_wait_limit_is_the_default_until_changed() {
        let client = ProcessControlClient::new("http://localhost:8000").unwrap();
        assert_eq!(client.wait_limit(), DEFAULT_WAIT_LIMIT);
        let changed = client.clone().with_wait_limit(Duration::from_secs(1));
        assert_eq!(changed.wait_limit(), Duration::from_secs(1));
        assert_eq!(client.wait_limit(), DEFAULT_WAIT_LIMIT);
        assert_eq!(
            changed.transport().base_url(),
            client.transport().base_url()
        );
    }
}
