//! The `Authorization` header, from the call's own identity or the token source, on every
//! attempt.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, HeaderValue};
use http::{Request, Response, StatusCode};
use process_engine_api_types::error::EngineError;

use super::copy_of;
use crate::call::CallAuthorization;
use crate::error::AuthError;
use crate::hyper_service::HyperService;
use crate::{Error, Identity, TokenSource};

/// Where the header comes from when the call has no identity of its own.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// A fixed identity: its header is made once, when the client is built, and every attempt
    /// sends a copy, without awaiting anything.
    Header(HeaderValue),
    /// Asked before every attempt, so that a retry uses a refreshed token.
    Source(Arc<dyn TokenSource>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // A sensitive HeaderValue's Debug shows `Sensitive`, never the token.
            Credentials::Header(value) => f.debug_tuple("Header").field(value).finish(),
            // Identity's Debug redacts the token; so must users' sources.
            Credentials::Source(source) => f.debug_tuple("Source").field(source).finish(),
        }
    }
}

/// Sets `Authorization: Bearer <token>` (marked sensitive) on every attempt: the call's own
/// (see [`RequestOptions::with_identity`](crate::RequestOptions::with_identity)) if it has one,
/// else the client's [`Credentials`].
#[derive(Clone, Debug)]
pub(crate) struct Auth {
    credentials: Credentials,
}

/// `Bearer <token>`, or an error (never a panic) for a token that cannot be a header value.
pub(crate) fn bearer(token: &str) -> Result<HeaderValue, Error> {
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|error| Error::auth(AuthError::InvalidToken(error)))?;
    value.set_sensitive(true);
    Ok(value)
}

impl Auth {
    pub(crate) fn new(credentials: Credentials) -> Self {
        Auth { credentials }
    }

    /// Sends one attempt of `request` over `http`, with the identity it is made as.
    pub(crate) async fn send(
        &self,
        http: &HyperService,
        mut request: Request<Bytes>,
    ) -> Result<Response<Bytes>, Error> {
        // The call's own identity wins over the source, on every attempt (a request sent
        // again keeps its extensions); it was checked when the request was built.
        let header = match request.extensions().get::<CallAuthorization>() {
            Some(CallAuthorization(value)) => value.clone(),
            None => match &self.credentials {
                Credentials::Header(value) => value.clone(),
                Credentials::Source(source) => {
                    return send_as_source(http, &**source, request).await;
                }
            },
        };
        request.headers_mut().insert(AUTHORIZATION, header);
        http.send(request).await
    }
}

/// Sends `request` with the source's identity; after a `401`, tells the source and sends it
/// once more if the source then gives another token. The engine answers `401` before it acts
/// on a request, so sending it again is safe for every call.
async fn send_as_source(
    http: &HyperService,
    source: &dyn TokenSource,
    mut request: Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let identity = ask(source).await?;
    let mut again = copy_of(&request);
    request
        .headers_mut()
        .insert(AUTHORIZATION, bearer(identity.token())?);
    let response = http.send(request).await?;
    if response.status() != StatusCode::UNAUTHORIZED {
        return Ok(response);
    }
    source.invalidate(&identity);
    let fresh = ask(source).await?;
    if fresh.token() == identity.token() {
        return Err(refused(response));
    }
    tracing::debug!("the engine refused the token; sending again with a new one");
    again
        .headers_mut()
        .insert(AUTHORIZATION, bearer(fresh.token())?);
    let response = http.send(again).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        return Err(refused(response));
    }
    Ok(response)
}

async fn ask(source: &dyn TokenSource) -> Result<Identity, Error> {
    source
        .identity()
        .await
        .map_err(|error| Error::auth(AuthError::Source(error)))
}

fn refused(response: Response<Bytes>) -> Error {
    let (parts, body) = response.into_parts();
    Error::refused(
        EngineError::from_response(parts.status.as_u16(), &body),
        parts.headers,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_sensitive_and_bad_tokens_are_errors() {
        let value = bearer("ZHVtbXlfdG9rZW4=").unwrap();
        assert_eq!(value, "Bearer ZHVtbXlfdG9rZW4=");
        assert!(value.is_sensitive());
        let error = bearer("line\nbreak").unwrap_err();
        assert!(error.is_auth());
        assert!(!error.to_string().contains("line"), "{error}");
    }
}
