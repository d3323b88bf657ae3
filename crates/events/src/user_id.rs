//! The user id the engine derives from a token, for "only my own instances": the development
//! token's, or the `sub` claim of a JWT, read without checking its signature, as 8.0.0 reads it.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use process_engine_api_types::Identity;
use serde_json::Value;

/// The token of the engine's development identity and the user id it stands for.
const DUMMY: (&str, &str) = ("ZHVtbXlfdG9rZW4=", "dummy_token");

/// The user id the engine sees in `identity`'s token, or else the identity's own user id;
/// `None` when neither says one.
pub(crate) fn user_id_of(identity: &Identity) -> Option<String> {
    let token = identity.token();
    let from_token = if token == DUMMY.0 {
        Some(DUMMY.1.to_owned())
    } else {
        jwt_subject(token)
    };
    from_token.or_else(|| Some(identity.user_id().to_owned()).filter(|id| !id.is_empty()))
}

fn jwt_subject(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let claims: Value = serde_json::from_slice(&bytes).ok()?;
    claims.get("sub")?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(claims: &str) -> String {
        format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none"}"#),
            URL_SAFE_NO_PAD.encode(claims)
        )
    }

    #[test]
    fn the_token_says_the_user_and_the_identity_fills_in() {
        assert_eq!(
            user_id_of(&Identity::dummy()).as_deref(),
            Some("dummy_token")
        );
        let alice = Identity::new(jwt(r#"{"sub":"alice"}"#), "");
        assert_eq!(user_id_of(&alice).as_deref(), Some("alice"));
        // The token wins: it is what the engine reads.
        let named = Identity::new(jwt(r#"{"sub":"alice"}"#), "someone-else");
        assert_eq!(user_id_of(&named).as_deref(), Some("alice"));
        let opaque = Identity::new("opaque-token", "bob");
        assert_eq!(user_id_of(&opaque).as_deref(), Some("bob"));
        assert_eq!(user_id_of(&Identity::new("opaque-token", "")), None);
        assert_eq!(user_id_of(&Identity::new(jwt("{}"), "")), None);
    }
}
