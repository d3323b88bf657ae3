//! Constructors of [`Identity`]: the one type for "who a call is made as", on the wire (with
//! instances and tasks) and in the client's configuration.

use crate::models::Identity;

/// The token of the engine's development identity: base64 of `dummy_token`.
const DUMMY_TOKEN: &str = "ZHVtbXlfdG9rZW4=";
/// The user id the engine gives the development identity.
const DUMMY_USER_ID: &str = "dummy_token";

impl Identity {
    /// An identity from its bearer token and the id of the user it stands for.
    pub fn new(token: impl Into<String>, user_id: impl Into<String>) -> Self {
        Identity {
            token: token.into(),
            user_id: user_id.into(),
        }
    }

    /// The engine's development identity (token `ZHVtbXlfdG9rZW4=`, user id `dummy_token`),
    /// which an engine with the shipped configuration accepts: the default.
    pub fn dummy() -> Self {
        Identity::new(DUMMY_TOKEN, DUMMY_USER_ID)
    }

    /// The bearer token. A secret: do not log it.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The id of the user the token stands for.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

impl Default for Identity {
    fn default() -> Self {
        Identity::dummy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_is_the_development_identity_and_debug_hides_the_token() {
        let identity = Identity::default();
        assert_eq!(identity, Identity::dummy());
        assert_eq!(identity.user_id(), "dummy_token");
        assert_eq!(identity.token(), "ZHVtbXlfdG9rZW4=");
        let debug = format!("{identity:?}");
        assert!(!debug.contains("ZHVtbXlfdG9rZW4="), "{debug}");
        assert!(debug.contains("dummy_token"), "{debug}");
    }
}
