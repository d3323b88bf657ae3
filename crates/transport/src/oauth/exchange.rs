//! One request to the authority (or to the engine's authority route), outside the client's
//! stack: no token, no retries of its own, its own time limit; the answer read whole.

use std::time::Duration;

use bytes::Bytes;
use http::header::{ACCEPT, HeaderValue, USER_AGENT};
use http::{Request, Response};
use process_engine_api_types::operation::decode_json;
use serde::de::DeserializeOwned;

use super::error::Failure;
use crate::hyper_service::HyperService;

/// Sends the token source's requests over the client's connection pool and TLS settings.
#[derive(Debug, Clone)]
pub(crate) struct Exchange {
    http: HyperService,
    user_agent: HeaderValue,
    timeout: Duration,
}

impl Exchange {
    pub(crate) fn new(http: HyperService, user_agent: HeaderValue, timeout: Duration) -> Self {
        Exchange {
            http,
            user_agent,
            timeout,
        }
    }

    /// Sends `request` (absolute URI) asking for JSON; the answer, whatever its status.
    pub(crate) async fn send(
        &self,
        mut request: Request<Bytes>,
    ) -> Result<Response<Bytes>, Failure> {
        let headers = request.headers_mut();
        headers.insert(USER_AGENT, self.user_agent.clone());
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        match tokio::time::timeout(self.timeout, self.http.send(request)).await {
            Err(_elapsed) => Err(Failure::TimedOut(self.timeout)),
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) if error.is_connect() => Err(Failure::Unreachable(error.into_cause())),
            Ok(Err(error)) => Err(Failure::Broken(error.into_cause())),
        }
    }

    /// `GET url`, decoded as `T` from a 2xx answer.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        url: &http::Uri,
    ) -> Result<T, Failure> {
        let mut request = Request::new(Bytes::new());
        *request.uri_mut() = url.clone();
        let response = self.send(request).await?;
        if !response.status().is_success() {
            return Err(Failure::Status {
                status: response.status().as_u16(),
                error: None,
                description: None,
            });
        }
        decode(response.body())
    }
}

/// `body` decoded as `T`, or the path where it did not fit.
pub(crate) fn decode<T: DeserializeOwned>(body: &[u8]) -> Result<T, Failure> {
    decode_json(body).map_err(|error| {
        let (path, source) = error.into_parts();
        Failure::Decode { path, source }
    })
}
