//! The client: a handle on one transport, and the limit of its waits for instances.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use process_engine_api_types::Operation;
use process_engine_transport::Client;

use crate::RequestBuilder;

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
/// A handle made from the transport [`Client`], which holds the configuration (engine URL,
/// identity, timeouts, retries, TLS, layers) and the connection pool; several handles (this
/// client, a worker) share one transport. Every method returns a builder: set what the call
/// needs and, with `with_options`, its [`RequestOptions`](crate::RequestOptions) (attempt
/// timeout, deadline, identity), then `.send().await`. Cheap to clone.
///
/// ```no_run
/// use process_engine_process_control::{Client, ProcessControlClient};
///
/// # async fn run() -> Result<(), process_engine_process_control::Error> {
/// let transport = Client::builder("http://localhost:56000").build()?;
/// let client = ProcessControlClient::new(transport);
/// let models = client.process_models().send().await?;
/// # let _ = models;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct ProcessControlClient {
    shared: Arc<Shared>,
}

struct Shared {
    transport: Client,
    wait_limit: Duration,
}

impl ProcessControlClient {
    /// A client calling the engine through `transport`, waiting for instances at most
    /// [`DEFAULT_WAIT_LIMIT`].
    pub fn new(transport: Client) -> Self {
        ProcessControlClient {
            shared: Arc::new(Shared {
                transport,
                wait_limit: DEFAULT_WAIT_LIMIT,
            }),
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

    /// A call of any generated [`operation`](process_engine_api_types::operations) (or one of
    /// your own), with this
    /// client's transport and error: for what the client has no method of its own.
    ///
    /// ```no_run
    /// use process_engine_process_control::ProcessControlClient;
    /// use process_engine_api_types::operations::GetActiveTokensForProcessModel;
    ///
    /// # async fn run(client: &ProcessControlClient) -> Result<(), process_engine_process_control::Error> {
    /// let tokens = client
    ///     .request(GetActiveTokensForProcessModel::new("order_process"))
    ///     .send()
    ///     .await?;
    /// # let _ = tokens;
    /// # Ok(())
    /// # }
    /// ```
    pub fn request<O: Operation>(&self, operation: O) -> RequestBuilder<O> {
        RequestBuilder::new(self.shared.transport.clone(), operation)
    }
}

impl fmt::Debug for ProcessControlClient {
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

    fn client() -> ProcessControlClient {
        ProcessControlClient::new(Client::builder("http://localhost:8000").build().unwrap())
    }

    fn assert_send<T: Send>(_: &T) {}

    #[test]
    fn the_futures_of_every_builder_are_send() {
        let client = client();
        assert_send(&client.start_process_instance("m", "s").send());
        assert_send(&client.process_models().send());
        assert_send(&client.deploy_bpmn("<x/>").send());
        assert_send(&client.wait_for_result("c", "m").send());
        assert_send(&client.finish_user_task(TaskRef::new("p", "c", "f")).send());
        assert_send(&client.trigger_message("m").send());
        assert_send(&client.user_tasks(TaskScope::Own).send());
        assert_send(&client.events(EventScope::correlation("c")).send());
        assert_send(&client.process_instance("p").send());
    }

    #[test]
    fn the_wait_limit_is_the_default_until_changed() {
        let client = client();
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
