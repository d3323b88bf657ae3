//! One call of the engine as a value: its generated operation and its per-call options, sent
//! by `send()`.

use process_engine_api_types::Operation;
use process_engine_transport::{Client, RequestOptions};

use crate::Error;

/// One call of the engine: the generated [`operation`](Self::operation) it makes, the per-call
/// [`options`](Self::options), then `send()`.
///
/// Most methods of [`ProcessControlClient`](crate::ProcessControlClient) return one, and
/// [`request`](crate::ProcessControlClient::request) makes one of any operation. Building does
/// no I/O, so a test can build a request and look at what it would send:
///
/// ```
/// use process_engine_process_control::{Client, ProcessControlClient, TaskRef};
///
/// # fn run() -> Result<(), process_engine_process_control::Error> {
/// let client = ProcessControlClient::new(Client::builder("http://localhost:56000").build()?);
/// let finish = client
///     .finish_user_task(TaskRef::new("instance", "correlation", "task"))
///     .field("approved", &true);
/// assert_eq!(finish.operation().flow_node_instance_id, "task");
/// assert_eq!(finish.operation().body.form_fields.as_ref().unwrap()["approved"], true);
/// # Ok(())
/// # }
/// ```
///
/// Building never fails on the spot: a value that cannot be sent (an answer that does not
/// serialize, say) is kept and returned as the error of `send()`, before anything is sent.
#[must_use = "a request does nothing until it is sent"]
#[derive(Debug)]
pub struct RequestBuilder<O> {
    transport: Client,
    operation: O,
    options: RequestOptions,
    /// What is wrong with a value given to a setter; its setter replaces it, `send` returns it.
    pub(crate) mistake: Option<Error>,
}

impl<O: Operation> RequestBuilder<O> {
    pub(crate) fn new(transport: Client, operation: O) -> Self {
        RequestBuilder {
            transport,
            operation,
            options: RequestOptions::new(),
            mistake: None,
        }
    }

    /// Makes the call with `options` (time limits, identity) instead of the client's settings.
    pub fn with_options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// The operation the call makes: its path parameters, query and body.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// The per-call options the call is made with.
    pub fn options(&self) -> &RequestOptions {
        &self.options
    }

    pub(crate) fn operation_mut(&mut self) -> &mut O {
        &mut self.operation
    }

    /// The parts to send, or the mistake made while building.
    pub(crate) fn into_parts(self) -> Result<(Client, O, RequestOptions), Error> {
        match self.mistake {
            Some(mistake) => Err(mistake),
            None => Ok((self.transport, self.operation, self.options)),
        }
    }

    /// Makes the call and answers the operation's response.
    pub async fn send(self) -> Result<O::Response, Error> {
        let (transport, operation, options) = self.into_parts()?;
        Ok(transport.execute(&operation, &options).await?)
    }
}
