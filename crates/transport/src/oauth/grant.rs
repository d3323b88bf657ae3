//! The client-credentials grant (RFC 6749, section 4.4): one token request, its answer read.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use http::{Method, Request};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::Value;

use super::authority::TokenEndpoint;
use super::config::{ClientAuthMethod, ClientCredentials};
use super::error::{Failure, TokenError, TokenStep};
use super::exchange::{Exchange, decode};
use super::jwt;

/// What `application/x-www-form-urlencoded` leaves as it is (the URL standard's
/// urlencoded serializer); a space becomes `%20`, which every form decoder reads as well.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

/// The longest error description of an authority that is kept (a misconfigured one may
/// answer a whole page).
const MAX_DESCRIPTION: usize = 200;

/// A token the authority granted.
pub(crate) struct Granted {
    pub(crate) token: String,
    /// The user id the engine will see (the token's `sub`).
    pub(crate) subject: String,
    /// How long the token is valid, counted from when it was asked for: `expires_in`, else the
    /// token's `exp`; `None` when neither says.
    pub(crate) lifetime: Option<Duration>,
}

#[derive(Deserialize)]
struct Answer {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<Value>,
}

/// An error answer (RFC 6749, section 5.2).
#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// Asks `endpoint` for a token for `credentials`.
pub(crate) async fn request(
    exchange: &Exchange,
    endpoint: &TokenEndpoint,
    credentials: &ClientCredentials,
) -> Result<Granted, TokenError> {
    let url = endpoint.url.to_string();
    let fail = |step, failure| TokenError::new(step, url.as_str(), failure);
    let request =
        token_request(endpoint, credentials).map_err(|failure| fail(TokenStep::Grant, failure))?;
    let response = exchange
        .send(request)
        .await
        .map_err(|failure| fail(TokenStep::Grant, failure))?;
    if !response.status().is_success() {
        let refusal = decode::<ErrorAnswer>(response.body()).ok();
        return Err(fail(
            TokenStep::Grant,
            Failure::Status {
                status: response.status().as_u16(),
                error: refusal.as_ref().map(|refusal| printable(&refusal.error)),
                description: refusal
                    .and_then(|refusal| refusal.error_description)
                    .map(|description| printable(&description)),
            },
        ));
    }
    let answer: Answer =
        decode(response.body()).map_err(|failure| fail(TokenStep::Grant, failure))?;
    read(answer).map_err(|reason| fail(TokenStep::Decoding, Failure::Unusable(reason)))
}

/// The form post, with the client authenticated as `endpoint` wants.
fn token_request(
    endpoint: &TokenEndpoint,
    credentials: &ClientCredentials,
) -> Result<Request<Bytes>, Failure> {
    let mut form = vec![("grant_type", "client_credentials".to_owned())];
    if !credentials.scopes.is_empty() {
        form.push(("scope", credentials.scopes.join(" ")));
    }
    let id = &credentials.client_id;
    let secret = credentials.client_secret.expose();
    let mut authorization = None;
    match endpoint.auth_method {
        ClientAuthMethod::ClientSecretBasic => {
            // RFC 6749, section 2.3.1: id and secret are form-encoded before they are joined.
            let pair = format!("{}:{}", encode(id), encode(secret));
            let mut value = HeaderValue::try_from(format!("Basic {}", STANDARD.encode(pair)))
                // Base64 is always a valid header value.
                .map_err(|error| Failure::Unusable(error.to_string()))?;
            value.set_sensitive(true);
            authorization = Some(value);
        }
        ClientAuthMethod::ClientSecretPost => {
            form.push(("client_id", id.clone()));
            form.push(("client_secret", secret.to_owned()));
        }
    }
    let body = form
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    let mut request = Request::new(Bytes::from(body));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = endpoint.url.clone();
    let headers = request.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    if let Some(value) = authorization {
        headers.insert(AUTHORIZATION, value);
    }
    Ok(request)
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, FORM).to_string()
}

/// The token and what the client needs to know about it; `Err` says why it cannot be used.
fn read(answer: Answer) -> Result<Granted, String> {
    if let Some(kind) = answer
        .token_type
        .as_deref()
        .filter(|kind| !kind.eq_ignore_ascii_case("bearer"))
    {
        return Err(format!(
            "the token type is `{}`, but the engine takes bearer tokens only",
            printable(kind)
        ));
    }
    let expires_in = match &answer.expires_in {
        None | Some(Value::Null) => None,
        Some(value) => Some(
            jwt::seconds(value)
                .ok_or_else(|| "its `expires_in` is not a number of seconds".to_owned())?,
        ),
    };
    let claims = jwt::claims(&answer.access_token).map_err(str::to_owned)?;
    let lifetime = expires_in
        .map(Duration::from_secs)
        .or_else(|| claims.expires_at.map(until));
    Ok(Granted {
        token: answer.access_token,
        subject: claims.subject,
        lifetime,
    })
}

/// How long from now until `exp` (seconds since the epoch), on this machine's clock; zero for
/// a time past.
fn until(exp: u64) -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Duration::from_secs(exp).saturating_sub(now)
}

/// `text` cut to [`MAX_DESCRIPTION`] characters, control characters dropped, so that an
/// authority's answer cannot forge log lines.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_DESCRIPTION)
        .collect()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn credentials() -> ClientCredentials {
        ClientCredentials::new("order service", "p&ss:w=rd")
            .scope("engine_etw")
            .scope("engine_read")
    }

    fn endpoint(auth_method: ClientAuthMethod) -> TokenEndpoint {
        TokenEndpoint {
            url: "https://login.example.com/connect/token".parse().unwrap(),
            auth_method,
        }
    }

    #[test]
    fn basic_authentication_form_encodes_id_and_secret() {
        let request = token_request(
            &endpoint(ClientAuthMethod::ClientSecretBasic),
            &credentials(),
        )
        .unwrap();
        assert_eq!(request.method(), Method::POST);
        assert_eq!(
            request.body(),
            "grant_type=client_credentials&scope=engine_etw%20engine_read"
        );
        let authorization = &request.headers()[AUTHORIZATION];
        assert!(authorization.is_sensitive());
        let encoded = authorization
            .to_str()
            .unwrap()
            .strip_prefix("Basic ")
            .unwrap();
        assert_eq!(
            STANDARD.decode(encoded).unwrap(),
            b"order%20service:p%26ss%3Aw%3Drd"
        );
        assert_eq!(
            request.headers()[CONTENT_TYPE],
            "application/x-www-form-urlencoded"
        );
    }

    #[test]
    fn post_authentication_puts_id_and_secret_in_the_form() {
        let request = token_request(
            &endpoint(ClientAuthMethod::ClientSecretPost),
            &credentials(),
        )
        .unwrap();
        assert_eq!(
            request.body(),
            "grant_type=client_credentials&scope=engine_etw%20engine_read\
             &client_id=order%20service&client_secret=p%26ss%3Aw%3Drd"
        );
        assert!(request.headers().get(AUTHORIZATION).is_none());
    }

    fn answer(token: &str, token_type: Option<&str>, expires_in: Option<Value>) -> Answer {
        Answer {
            access_token: token.to_owned(),
            token_type: token_type.map(str::to_owned),
            expires_in,
        }
    }

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_lifetime_is_expires_in_else_the_tokens_exp() {
        let token = jwt(r#"{"sub":"svc","exp":1}"#);
        let granted = read(answer(&token, Some("Bearer"), Some(3600.into()))).unwrap();
        assert_eq!(granted.lifetime, Some(Duration::from_secs(3600)));
        assert_eq!(granted.subject, "svc");
        // An `exp` in the past is a lifetime of zero.
        let granted = read(answer(&token, Some("bearer"), None)).unwrap();
        assert_eq!(granted.lifetime, Some(Duration::ZERO));
        let granted = read(answer(&jwt("{}"), None, None)).unwrap();
        assert_eq!(granted.lifetime, None);
    }

    #[test]
    fn unusable_answers_say_why_without_the_token() {
        let token = jwt(r#"{"sub":"svc"}"#);
        let error = read(answer(&token, Some("mac"), None)).err().unwrap();
        assert!(error.contains("`mac`"), "{error}");
        let error = read(answer(&token, None, Some("soon".into())))
            .err()
            .unwrap();
        assert!(error.contains("expires_in"), "{error}");
        let error = read(answer("opaque-secret", None, None)).err().unwrap();
        assert!(!error.contains("opaque-secret"), "{error}");
    }

    #[test]
    fn descriptions_are_cut_and_cleaned() {
        assert_eq!(printable("bad\nclient\u{1b}[31m"), "badclient[31m");
        assert_eq!(printable(&"x".repeat(500)).len(), MAX_DESCRIPTION);
    }
}
