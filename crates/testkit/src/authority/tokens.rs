//! The tokens the test authority issued: minted as JWTs, remembered until they expire, so that
//! a guarded engine can tell a live one from an expired, revoked or foreign one.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;
use tokio::time::Instant;

/// The issued tokens that have not expired yet, with when they do. `Debug` shows how many.
#[derive(Default)]
pub(crate) struct Ledger {
    live: Mutex<HashMap<String, Instant>>,
}

impl fmt::Debug for Ledger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ledger")
            .field("tokens", &self.lock().len())
            .finish()
    }
}

impl Ledger {
    /// Mints a token for `client` (its `sub`) with `scope`, valid for `lifetime`, and remembers
    /// it.
    pub(crate) fn issue(
        &self,
        issuer: &str,
        client: &str,
        scope: Option<&str>,
        lifetime: Duration,
    ) -> String {
        let now = Instant::now();
        let issued_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_secs();
        let mut claims = json!({
            "iss": issuer,
            "sub": client,
            "client_id": client,
            "iat": issued_at,
            "exp": issued_at.saturating_add(lifetime.as_secs()),
            "jti": uuid::Uuid::new_v4().to_string(),
        });
        if let Some(scope) = scope {
            claims["scope"] = json!(scope);
        }
        // Unsigned (`alg: none`): neither 8.0.0 nor the stand-in checks a signature, and a
        // guarded stand-in knows its tokens by the ledger.
        let token = format!(
            "{}.{}.",
            URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        );
        let mut live = self.lock();
        live.retain(|_, expires| *expires > now);
        live.insert(token.clone(), now + lifetime);
        token
    }

    /// Whether `token` was issued here and has neither expired nor been revoked.
    pub(crate) fn is_live(&self, token: &str) -> bool {
        self.lock()
            .get(token)
            .is_some_and(|expires| *expires > Instant::now())
    }

    /// Forgets every token issued so far: a guarded engine refuses them from now on.
    pub(crate) fn revoke_all(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Instant>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokens_live_for_their_lifetime_until_revoked() {
        let ledger = Ledger::default();
        let token = ledger.issue("http://a", "worker", Some("engine"), Duration::from_secs(2));
        let payload = token.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["sub"], "worker");
        assert_eq!(claims["scope"], "engine");
        assert_eq!(claims["iss"], "http://a");
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            2
        );
        assert!(ledger.is_live(&token));
        assert!(!ledger.is_live("someone.else's."));
        tokio::time::advance(Duration::from_secs(2)).await;
        assert!(!ledger.is_live(&token));

        let token = ledger.issue("http://a", "worker", None, Duration::from_secs(2));
        assert_eq!(format!("{ledger:?}"), "Ledger { tokens: 1 }");
        ledger.revoke_all();
        assert!(!ledger.is_live(&token));
    }
}
