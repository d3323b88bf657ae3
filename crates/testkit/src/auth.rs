//! Who is calling: the engine's identity middleware, quirks included.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::Value;

/// The built-in development token: base64 of `dummy_token`.
pub(crate) const DUMMY_TOKEN: &str = "ZHVtbXlfdG9rZW4=";
/// The user id of the development token.
pub(crate) const DUMMY_USER: &str = "dummy_token";

/// The caller as the engine sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) token: String,
    pub(crate) user_id: String,
}

impl Identity {
    /// Instances started with the development token are visible to everyone.
    pub(crate) fn is_dummy(&self) -> bool {
        self.user_id == DUMMY_USER
    }

    pub(crate) fn to_model(&self) -> process_engine_api_types::models::Identity {
        let mut identity = process_engine_api_types::models::Identity::default();
        identity.token.clone_from(&self.token);
        identity.user_id.clone_from(&self.user_id);
        identity
    }
}

/// Why a request has no identity, with the engine's status and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AuthFailure {
    /// No header, or an empty one: 401.
    Missing,
    /// Neither the development token nor a JWT: the engine's TypeError, 500.
    Undecodable,
}

impl AuthFailure {
    pub(crate) fn status(self) -> u16 {
        match self {
            AuthFailure::Missing => 401,
            AuthFailure::Undecodable => 500,
        }
    }

    pub(crate) fn message(self) -> &'static str {
        match self {
            AuthFailure::Missing => "No auth token provided!",
            AuthFailure::Undecodable => "Cannot read properties of null (reading 'sub')",
        }
    }
}

/// Reads the `Authorization` header as 8.0.0 does: the first seven characters are dropped unseen
/// (normally `Bearer `), the rest is the development token or a JWT whose signature nobody checks.
pub(crate) fn identify(header: Option<&str>) -> Result<Identity, AuthFailure> {
    let header = header
        .filter(|h| !h.is_empty())
        .ok_or(AuthFailure::Missing)?;
    let token: String = header.chars().skip(7).collect();
    identify_token(token)
}

/// Resolves a token as the identity service does (the socket endpoints hand it the header as
/// it is, without dropping a scheme): the development token, or a JWT whose signature nobody
/// checks.
pub(crate) fn identify_token(token: String) -> Result<Identity, AuthFailure> {
    if STANDARD
        .decode(token.as_bytes())
        .is_ok_and(|bytes| bytes == DUMMY_USER.as_bytes())
    {
        return Ok(Identity {
            token,
            user_id: DUMMY_USER.to_owned(),
        });
    }
    let claims = jwt_claims(&token).ok_or(AuthFailure::Undecodable)?;
    // A JWT without `sub` is accepted; its user id is then undefined, written as "".
    let user_id = claims
        .get("sub")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Ok(Identity { token, user_id })
}

/// The payload of a JWT (`header.payload.signature`), if it is one; the signature is ignored.
fn jwt_claims(token: &str) -> Option<serde_json::Map<String, Value>> {
    let mut parts = token.split('.');
    let (header, payload, _signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok();
    serde_json::from_slice::<serde_json::Map<String, Value>>(&decode(header)?).ok()?;
    serde_json::from_slice(&decode(payload)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn development_token_and_unsigned_jwts_are_identities() {
        let dummy = identify(Some("Bearer ZHVtbXlfdG9rZW4=")).unwrap();
        assert_eq!(
            (dummy.token.as_str(), dummy.user_id.as_str()),
            (DUMMY_TOKEN, DUMMY_USER)
        );
        let alice = identify(Some(&format!("Bearer {}", jwt(r#"{"sub":"alice"}"#)))).unwrap();
        assert_eq!(alice.user_id, "alice");
        // The scheme is not looked at: any seven characters will do.
        assert_eq!(
            identify(Some("Token: ZHVtbXlfdG9rZW4=")).unwrap().user_id,
            DUMMY_USER
        );
        assert_eq!(
            identify(Some(&format!("Bearer {}", jwt("{}"))))
                .unwrap()
                .user_id,
            ""
        );
    }

    #[test]
    fn missing_and_garbage_tokens_fail_like_the_engine() {
        assert_eq!(identify(None), Err(AuthFailure::Missing));
        assert_eq!(identify(Some("")), Err(AuthFailure::Missing));
        for garbage in [
            "Bearer garbage",
            "Bearer dummy_token",
            "Bearer",
            "ZHVtbXlfdG9rZW4=",
        ] {
            assert_eq!(
                identify(Some(garbage)),
                Err(AuthFailure::Undecodable),
                "{garbage}"
            );
        }
    }
}
