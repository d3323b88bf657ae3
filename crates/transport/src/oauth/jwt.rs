//! The claims of an access token that the client needs: who the engine will take the caller
//! for, and when the token expires.
//!
//! Nothing is verified here: the engine's identity service (`@process-engine/iam` 1.4.4,
//! `src/identity_service.ts`) reads the token with `jsonwebtoken.decode`, which checks neither
//! signature nor expiry, and takes the user id from `sub`. This reads what it reads.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use serde_json::Value;

/// The claims of an access token the client reads.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Claims {
    /// The user id the engine will see: the `sub` claim, or empty when there is none (the
    /// engine's user id is then `undefined`).
    pub(crate) subject: String,
    /// The `exp` claim: seconds since the Unix epoch.
    pub(crate) expires_at: Option<u64>,
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    sub: Option<Value>,
    #[serde(default)]
    exp: Option<Value>,
}

/// Reads a JWS compact serialization (`header.payload.signature`); `Err` says why the token is
/// not one the engine could read. The message never quotes the token.
pub(crate) fn claims(token: &str) -> Result<Claims, &'static str> {
    const NOT_A_JWT: &str = "the access token is not a JWT, and the engine reads the caller's \
                             user id from a JWT's `sub` claim";
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(NOT_A_JWT);
    };
    let decode = |part: &str| URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok();
    decode(header)
        .and_then(|header| serde_json::from_slice::<serde_json::Map<String, Value>>(&header).ok())
        .ok_or(NOT_A_JWT)?;
    let payload: Payload = decode(payload)
        .and_then(|payload| serde_json::from_slice(&payload).ok())
        .ok_or(NOT_A_JWT)?;
    let subject = match payload.sub {
        Some(Value::String(sub)) => sub,
        // The engine would take a number as it is; its user id then prints the same.
        Some(Value::Number(sub)) => sub.to_string(),
        _ => String::new(),
    };
    let expires_at = payload.exp.as_ref().and_then(seconds);
    Ok(Claims {
        subject,
        expires_at,
    })
}

/// A whole number of seconds from a JSON number (fractions cut off) or numeric string.
pub(crate) fn seconds(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|f| f.is_finite() && *f >= 0.0)
                // Saturating: a lifetime beyond u64 seconds is forever either way.
                .map(|f| {
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    let whole = f as u64;
                    whole
                })
        }),
        Value::String(text) => text.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.c2lnbmF0dXJl",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_subject_and_expiry_are_read_as_the_engine_reads_them() {
        let read = claims(&jwt(r#"{"sub":"order-service","exp":1700000000}"#)).unwrap();
        assert_eq!(read.subject, "order-service");
        assert_eq!(read.expires_at, Some(1_700_000_000));
        // No `sub`: the engine's user id is undefined; no `exp`: unknown.
        let read = claims(&jwt(r#"{"client_id":"x"}"#)).unwrap();
        assert_eq!(read.subject, "");
        assert_eq!(read.expires_at, None);
        // Padding is tolerated, as jsonwebtoken does.
        let padded = format!(
            "{}.{}=.",
            URL_SAFE_NO_PAD.encode("{}"),
            URL_SAFE_NO_PAD.encode(r#"{"sub":"ab"}"#)
        );
        assert_eq!(claims(&padded).unwrap().subject, "ab");
    }

    #[test]
    fn opaque_tokens_are_refused_without_quoting_them() {
        for token in [
            "opaque-s3cr3t",
            "a.b",
            "a.b.c.d",
            "e30.bm90IGpzb24.x",
            "x.e30.y",
        ] {
            let error = claims(token).unwrap_err();
            assert!(error.contains("not a JWT"), "{token}: {error}");
        }
    }

    #[test]
    fn seconds_are_read_leniently() {
        use serde_json::json;
        assert_eq!(seconds(&json!(3600)), Some(3600));
        assert_eq!(seconds(&json!(3600.7)), Some(3600));
        assert_eq!(seconds(&json!("3600")), Some(3600));
        assert_eq!(seconds(&json!(-1)), None);
        assert_eq!(seconds(&json!("soon")), None);
        assert_eq!(seconds(&json!(null)), None);
    }
}
