//! The client: sends calls through the stack and reads the answers.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::Response;
use http::header::HeaderValue;
use process_engine_api_types::error::EngineError;
use serde::de::DeserializeOwned;
use tower::ServiceExt;

use crate::error::Kind;
use crate::{BoxedService, Call, ClientBuilder, Error};

/// A client of one engine. Cheap to clone: clones share the connection pool, the retry budget
/// and the configuration.
///
/// `Debug` never shows the token.
#[derive(Clone)]
pub struct Client {
    service: BoxedService,
    shared: Arc<Shared>,
}

/// What the clones of a client share besides the stack: only what a call needs outside it.
/// The timeouts, retry settings and token source live in the stack's layers alone, so that
/// nothing here can tell a different story than what the calls do.
pub(crate) struct Shared {
    pub(crate) base_url: String,
    pub(crate) user_agent: HeaderValue,
}

impl Client {
    /// A builder for a client of the engine at `base_url`; see [`ClientBuilder`].
    pub fn builder(base_url: &str) -> ClientBuilder {
        ClientBuilder::new(base_url)
    }

    pub(crate) fn from_parts(service: BoxedService, shared: Shared) -> Self {
        Client {
            service,
            shared: Arc::new(shared),
        }
    }

    /// The base URL the client was built with.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// Sends `call` and returns the engine's answer, body read whole.
    ///
    /// An answer outside 2xx is an error: [`Error::engine_error`] holds its status and message.
    pub async fn send(&self, call: Call) -> Result<Response<Bytes>, Error> {
        let operation = call.route().operation;
        self.exchange(call)
            .await
            .map_err(|error| error.with_operation(operation))
    }

    async fn exchange(&self, call: Call) -> Result<Response<Bytes>, Error> {
        let request = call.into_request(&self.shared.user_agent)?;
        let response = self.service.clone().oneshot(request).await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            let error = EngineError::from_response(response.status().as_u16(), response.body());
            Err(Error::new(Kind::Status(error)))
        }
    }

    /// Sends `call` and decodes the JSON answer as `T`. A body that does not match names the
    /// failing field ([`Error::decode_path`], e.g. `processModels[0].id`).
    pub async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        let operation = call.route().operation;
        let response = self.send(call).await?;
        decode(response.body()).map_err(|(path, source)| {
            Error::new(Kind::Decode { path, source }).with_operation(operation)
        })
    }

    /// Sends `call` and ignores the answer's body: for routes that answer `200` with an empty
    /// body or `204`.
    pub async fn empty(&self, call: Call) -> Result<(), Error> {
        self.send(call).await.map(drop)
    }
}

/// Decodes `body` as `T`, or says where and why it does not match.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, (String, serde_json::Error)> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer)
        .map_err(|error| (error.path().to_string(), error.into_inner()))?;
    // Trailing garbage after the value is as wrong as a missing field.
    deserializer
        .end()
        .map_err(|error| (".".to_owned(), error))?;
    Ok(value)
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
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code, reason = "only decoded")]
    struct List {
        process_models: Vec<Model>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Model {
        id: String,
    }

    #[test]
    fn decode_names_the_failing_field() {
        let (path, _) = decode::<List>(br#"{"processModels":[{"id":1}]}"#).unwrap_err();
        assert_eq!(path, "processModels[0].id");
        let (path, _) = decode::<List>(br#"{"processModels":[]} x"#).unwrap_err();
        assert_eq!(path, ".");
        assert!(decode::<List>(br#"{"processModels":[{"id":"a"}]}"#).is_ok());
    }

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
        assert_send(&client.send(Call::new(&ROUTE)));
        assert_send(&client.json::<List>(Call::new(&ROUTE)));
        assert_send(&client.empty(Call::new(&ROUTE)));
    }
}
