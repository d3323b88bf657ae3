//! The authority's two endpoints: the discovery document and the token endpoint, with the
//! faults a test injected into them.

use std::sync::atomic::Ordering;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, HeaderValue, PRAGMA, WWW_AUTHENTICATE,
};
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use super::{Authority, ClientAuth, TestAuthority};
use crate::faults::Faults;

/// The longest form read: a token request is a few hundred bytes.
const MAX_FORM: usize = 64 * 1024;

type Answer = Response<Full<Bytes>>;

impl Authority {
    /// Answers a request to one of the authority's paths, with the injected faults of its
    /// route: a failure instead of the answer, a delay after it.
    pub(crate) async fn answer(
        &self,
        parts: &http::request::Parts,
        body: Incoming,
        faults: &Faults,
        deadline: tokio::time::Instant,
    ) -> Answer {
        let path = parts.uri.path();
        let route = if path == TestAuthority::DISCOVERY.path {
            &TestAuthority::DISCOVERY
        } else if path == TestAuthority::TOKEN.path {
            &TestAuthority::TOKEN
        } else {
            return oauth_error(StatusCode::NOT_FOUND, "invalid_request", "no such endpoint");
        };
        let injected = faults.take(route);
        let answer = match injected.failure {
            Some(reject) => {
                let status = StatusCode::from_u16(reject.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                plain(status, reject.message)
            }
            None if route.path == TestAuthority::DISCOVERY.path => self.discovery(parts),
            None => {
                let read =
                    tokio::time::timeout_at(deadline, Limited::new(body, MAX_FORM).collect());
                match read.await {
                    Ok(Ok(collected)) => self.token(parts, &collected.to_bytes()),
                    Ok(Err(_)) => oauth_error(
                        StatusCode::BAD_REQUEST,
                        "invalid_request",
                        "the form could not be read",
                    ),
                    Err(_elapsed) => plain(StatusCode::REQUEST_TIMEOUT, String::new()),
                }
            }
        };
        if let Some(delay) = injected.delay {
            tokio::time::sleep(delay).await;
        }
        answer
    }

    fn discovery(&self, parts: &http::request::Parts) -> Answer {
        if parts.method != http::Method::GET && parts.method != http::Method::HEAD {
            return oauth_error(
                StatusCode::METHOD_NOT_ALLOWED,
                "invalid_request",
                "GET only",
            );
        }
        let methods: &[&str] = match self.config.client_auth {
            ClientAuth::Both => &["client_secret_basic", "client_secret_post"],
            ClientAuth::Basic => &["client_secret_basic"],
            ClientAuth::Post => &["client_secret_post"],
        };
        json_answer(
            StatusCode::OK,
            &json!({
                "issuer": self.url,
                "token_endpoint": self.token_endpoint,
                "token_endpoint_auth_methods_supported": methods,
                "grant_types_supported": ["client_credentials"],
                "response_types_supported": ["token"],
            }),
        )
    }

    /// The client-credentials grant (RFC 6749, sections 2.3.1, 4.4 and 5).
    fn token(&self, parts: &http::request::Parts, body: &[u8]) -> Answer {
        match self.grant(parts, body) {
            Ok(granted) => {
                self.grants.fetch_add(1, Ordering::Relaxed);
                let mut answer = json_answer(StatusCode::OK, &granted);
                // RFC 6749, section 5.1: tokens are not to be cached on the way.
                let headers = answer.headers_mut();
                headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
                headers.insert(PRAGMA, HeaderValue::from_static("no-cache"));
                answer
            }
            Err(refusal) => {
                self.refused_grants.fetch_add(1, Ordering::Relaxed);
                refusal.answer()
            }
        }
    }

    /// The token answer's body, or why there is none.
    fn grant(&self, parts: &http::request::Parts, body: &[u8]) -> Result<Value, Refusal> {
        if parts.method != http::Method::POST {
            return Err(Refusal {
                status: StatusCode::METHOD_NOT_ALLOWED,
                ..Refusal::bad("POST only")
            });
        }
        let form_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .is_some_and(|value| {
                value
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            });
        if !form_type {
            return Err(Refusal::bad(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        let form: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|_| Refusal::bad("the form could not be read"))?;
        let field = |name: &str| {
            form.iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        };
        let basic = parts
            .headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .map(basic_credentials);
        let posted = field("client_id").map(|id| (id, field("client_secret").unwrap_or_default()));
        let auth = self.config.client_auth;
        let ((id, secret), used_basic) = match (&basic, posted) {
            (Some(_), Some(_)) => {
                return Err(Refusal::bad(
                    "the client authenticated in more than one way",
                ));
            }
            (Some(Some((id, secret))), None) if auth != ClientAuth::Post => {
                ((id.as_str(), secret.as_str()), true)
            }
            (None, Some(pair)) if auth != ClientAuth::Basic => (pair, false),
            (basic, _) => return Err(Refusal::invalid_client(basic.is_some())),
        };
        let known = self
            .config
            .clients
            .iter()
            .any(|(known_id, known_secret)| known_id == id && known_secret == secret);
        if !known {
            return Err(Refusal::invalid_client(used_basic));
        }
        match field("grant_type") {
            Some("client_credentials") => {}
            Some(_) => {
                return Err(Refusal {
                    error: "unsupported_grant_type",
                    ..Refusal::bad("only client_credentials is granted")
                });
            }
            None => return Err(Refusal::bad("grant_type is missing")),
        }
        let scope = field("scope").filter(|scope| !scope.is_empty());
        let lifetime = self.config.lifetime;
        let token = self.ledger.issue(&self.url, id, scope, lifetime);
        let mut granted = json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime.as_secs(),
        });
        if let Some(scope) = scope {
            granted["scope"] = Value::from(scope);
        }
        Ok(granted)
    }
}

/// A refused token request, as RFC 6749, section 5.2 answers it.
#[derive(Debug)]
struct Refusal {
    status: StatusCode,
    error: &'static str,
    description: &'static str,
    /// Whether to challenge for Basic authentication (the client tried it).
    challenge: bool,
}

impl Refusal {
    fn bad(description: &'static str) -> Self {
        Refusal {
            status: StatusCode::BAD_REQUEST,
            error: "invalid_request",
            description,
            challenge: false,
        }
    }

    fn invalid_client(used_basic: bool) -> Self {
        Refusal {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            description: "unknown client or wrong secret",
            challenge: used_basic,
        }
    }

    fn answer(&self) -> Answer {
        let mut answer = oauth_error(self.status, self.error, self.description);
        if self.challenge {
            answer.headers_mut().insert(
                WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Basic realm="authority""#),
            );
        }
        answer
    }
}

/// The id and secret of an `Authorization: Basic` header, each form-decoded (RFC 6749,
/// section 2.3.1); `None` for any other header.
fn basic_credentials(header: &str) -> Option<(String, String)> {
    let encoded = header.strip_prefix("Basic ")?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let form_decode = |part: &str| {
        percent_decode_str(&part.replace('+', " "))
            .decode_utf8()
            .ok()
            .map(|text| text.into_owned())
    };
    Some((form_decode(id)?, form_decode(secret)?))
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Answer {
    json_answer(
        status,
        &json!({ "error": error, "error_description": description }),
    )
}

fn json_answer(status: StatusCode, body: &Value) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(body.to_string())));
    *answer.status_mut() = status;
    answer
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    answer
}

fn plain(status: StatusCode, message: String) -> Answer {
    let mut answer = Response::new(Full::new(Bytes::from(message)));
    *answer.status_mut() = status;
    answer.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    answer
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_decoded() {
        let header = format!("Basic {}", STANDARD.encode("order%20service:p%26ss%3Aw+rd"));
        assert_eq!(
            basic_credentials(&header),
            Some(("order service".to_owned(), "p&ss:w rd".to_owned()))
        );
        assert_eq!(basic_credentials("Bearer x"), None);
        assert_eq!(basic_credentials("Basic !!!"), None);
        assert_eq!(
            basic_credentials(&format!("Basic {}", STANDARD.encode("no-colon"))),
            None
        );
    }
}
