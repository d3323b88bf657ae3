//! The client: sends calls through the stack and reads the answers.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::HeaderValue;
use http::{Request, Response};
use process_engine_api_types::Operation;
use process_engine_api_types::error::EngineError;
use tower::{Service, ServiceExt};

use crate::error::AuthError;
use crate::layers::ResponseFuture;
use crate::upgrade::Upgrader;
use crate::{Call, ClientBuilder, Error, Identity, RequestOptions, TokenSource};

/// A client of one engine. Cheap to clone: clones share the connection pool, the retry budget
/// and the configuration.
///
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct Client {
    stack: Arc<dyn Stack>,
    pub(crate) shared: Arc<Shared>,
}

/// The client's stack of services, shared by its clones: each call runs on a copy of its own
/// (a few reference counts; the services are `Clone` and cheap to clone), in one boxed future.
/// tower's `BoxCloneSyncService` would box the copy as well, on every call.
pub(crate) trait Stack: Send + Sync {
    fn call(&self, request: Request<Bytes>) -> ResponseFuture;
}

impl<S> Stack for S
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>
        + Clone
        + Send
        + Sync
        + 'static,
    S::Future: Send + 'static,
{
    fn call(&self, request: Request<Bytes>) -> ResponseFuture {
        Box::pin(self.clone().oneshot(request))
    }
}

/// What the clones of a client share besides the stack: only what a call needs outside it.
/// The timeouts, retry settings and token source live in the stack's layers alone, so that
/// nothing here can tell a different story than what the calls do.
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) user_agent: HeaderValue,
    /// Who the client calls as when a call names no identity: what its auth layer asks too.
    pub(crate) identity: Arc<dyn TokenSource>,
    pub(crate) upgrader: Upgrader,
}

impl Client {
    /// A builder for a client of the engine at `base_url`; see [`ClientBuilder`].
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    pub(crate) fn from_parts(stack: Arc<dyn Stack>, shared: Shared) -> Self {
        Client {
            stack,
            shared: Arc::new(shared),
        }
    }

    /// The base URL the client was built with.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The identity the client calls the engine as when a call names none: the configured one,
    /// or what its [`TokenSource`] answers now (asked anew on every call of this method, as
    /// before every attempt).
    ///
    /// For protocols beside the HTTP calls that carry the same identity in their own way (the
    /// engine's notifications take the token without `Bearer `). Fails with an
    /// [`Error::is_auth`] error when the token source fails.
    pub async fn identity(&self) -> Result<Identity, Error> {
        self.shared
            .identity
            .identity()
            .await
            .map_err(|error| Error::auth(AuthError::Source(error)))
    }

    /// Sends `operation` with `options` and decodes the answer to the operation's response type.
    ///
    /// An answer outside 2xx is an [`Error::is_status`] error holding the engine's status,
    /// message and headers; a body that does not fit the response type is an
    /// [`Error::is_decode`] error naming the failing field (`processModels[0].id`).
    ///
    /// ```no_run
    /// use process_engine_api_types::operations::GetProcessModelById;
    /// use process_engine_transport::{Client, RequestOptions};
    ///
    /// # async fn run(client: &Client) -> Result<(), process_engine_transport::Error> {
    /// let op = GetProcessModelById::new("order_process");
    /// match client.execute(&op, &RequestOptions::new()).await {
    ///     Ok(model) => println!("{} has {} start events", model.id, model.start_events.len()),
    ///     Err(error) if error.status() == Some(404) => println!("no such model"),
    ///     Err(error) => return Err(error),
    /// }
    /// # Ok(())
    /// # }
    /// ```
    pub async fn execute<O: Operation + ?Sized>(
        &self,
        operation: &O,
        options: &RequestOptions,
    ) -> Result<O::Response, Error> {
        let call = Call::from_operation(operation).options(options);
        let operation_name = call.route().operation;
        let response = self.send(call).await?;
        O::decode(response.body())
            .map_err(|error| self.locate(Error::from_decode_error(error), operation_name))
    }

    /// Sends `call` and returns the engine's answer, body read whole: the raw way, for a route
    /// that has no typed [`Operation`].
    ///
    /// An answer outside 2xx is an error: [`Error::engine_error`] holds its status and message,
    /// [`Error::headers`] its headers.
    pub async fn send(&self, call: Call) -> Result<Response<Bytes>, Error> {
        let operation = call.route().operation;
        self.exchange(call)
            .await
            .map_err(|error| self.locate(error, operation))
    }

    /// Names the failed call: its operation and the engine it went to.
    fn locate(&self, error: Error, operation: &'static str) -> Error {
        error
            .with_operation(operation)
            .with_base_url(&self.shared.base_url)
    }

    async fn exchange(&self, call: Call) -> Result<Response<Bytes>, Error> {
        let request = call.into_request(&self.shared.user_agent)?;
        let response = self.stack.call(request).await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            let (parts, body) = response.into_parts();
            let error = EngineError::from_response(parts.status.as_u16(), &body);
            Err(Error::from_answer(error, parts.headers))
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The stack is opaque: its settings (and the token source) are not shown.
        f.debug_struct("Client")
            .field("base_url", &self.shared.base_url)
            .field("user_agent", &self.shared.user_agent)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use process_engine_api_types::operations::{GetProcessModels, StartProcessInstance};

    use super::*;

    #[test]
    fn debug_shows_the_base_url_and_user_agent_only() {
        let client = Client::builder("http://localhost:8000")
            .bearer_token("s3cr3t")
            .user_agent("tests/1.0")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert_eq!(
            debug,
            r#"Client { base_url: "http://localhost:8000", user_agent: "tests/1.0", .. }"#
        );
    }

    #[test]
    fn client_futures_are_send() {
        fn assert_send<T: Send>(_: &T) {}
        let client = Client::builder("http://localhost:8000").build().unwrap();
        static ROUTE: process_engine_api_types::route::Route =
            process_engine_api_types::route::Route::new(
                "x",
                process_engine_api_types::route::Method::Get,
                "/x",
                &[],
                process_engine_api_types::route::Retry::Idempotent,
                process_engine_api_types::route::Success::Json,
                None,
            );
        let options = RequestOptions::new();
        assert_send(&client.send(Call::new(&ROUTE)));
        assert_send(&client.execute(&GetProcessModels::new(), &options));
        let start = StartProcessInstance::new("m", Default::default());
        assert_send(&client.execute(&start, &options));
    }
}
