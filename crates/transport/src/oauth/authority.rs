//! Finding the token endpoint: from the configuration, or from the authority's OpenID
//! discovery document, the authority itself named by the configuration or by the engine.

use http::Uri;
use process_engine_api_types::models::Authority;
use serde::Deserialize;

use super::config::{ClientAuthMethod, Endpoint, parse_url};
use super::error::{Failure, TokenError, TokenStep};
use super::exchange::Exchange;

/// Where the client-credentials grant goes, and how the client authenticates there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenEndpoint {
    pub(crate) url: Uri,
    pub(crate) auth_method: ClientAuthMethod,
}

/// The fields of an OpenID Provider's metadata (OpenID Connect Discovery 1.0, section 3) that
/// the grant needs.
#[derive(Deserialize)]
struct Discovery {
    token_endpoint: String,
    #[serde(default)]
    token_endpoint_auth_methods_supported: Option<Vec<String>>,
}

/// Finds the token endpoint as `endpoint` says, asking the engine at `engine_route` (its
/// `GET /security/authority`) when the configuration names no authority.
pub(crate) async fn locate(
    exchange: &Exchange,
    endpoint: &Endpoint,
    configured_method: Option<ClientAuthMethod>,
    engine_route: &Uri,
) -> Result<TokenEndpoint, TokenError> {
    let method = configured_method.unwrap_or(ClientAuthMethod::ClientSecretBasic);
    let authority = match endpoint {
        Endpoint::TokenUrl(url) => {
            let url = parse_url(url).map_err(|reason| {
                // Checked when the client was built.
                TokenError::new(TokenStep::Grant, url, Failure::Unusable(reason.to_owned()))
            })?;
            return Ok(TokenEndpoint {
                url,
                auth_method: method,
            });
        }
        Endpoint::Authority(url) => url.clone(),
        Endpoint::FromEngine => find_authority(exchange, engine_route).await?,
    };
    discover(exchange, &authority, configured_method).await
}

/// The authority the engine names. 8.0.0 answers its IAM configuration's `basePath`
/// (`@process-engine/process_engine_runtime` 8.0.0, `dist/commonjs/global_route_configurator.js`),
/// `http://localhost:5000/` unless configured.
async fn find_authority(exchange: &Exchange, engine_route: &Uri) -> Result<String, TokenError> {
    let fail =
        |failure| TokenError::new(TokenStep::FindAuthority, engine_route.to_string(), failure);
    let answer: Authority = exchange.get_json(engine_route).await.map_err(fail)?;
    parse_url(&answer.authority).map_err(|reason| {
        fail(Failure::Unusable(format!(
            "the engine names `{}` as its authority, which {reason}; configure the authority \
             in the client instead",
            answer.authority
        )))
    })?;
    Ok(answer.authority)
}

/// The discovery document's URL: the issuer, without a trailing slash, and
/// `/.well-known/openid-configuration` (OpenID Connect Discovery 1.0, section 4).
fn discovery_url(authority: &str) -> String {
    format!(
        "{}/.well-known/openid-configuration",
        authority.trim_end_matches('/')
    )
}

async fn discover(
    exchange: &Exchange,
    authority: &str,
    configured_method: Option<ClientAuthMethod>,
) -> Result<TokenEndpoint, TokenError> {
    let url = discovery_url(authority);
    let fail = |failure| TokenError::new(TokenStep::Discovery, url.as_str(), failure);
    let uri = parse_url(&url).map_err(|reason| {
        fail(Failure::Unusable(format!(
            "the discovery document's URL {reason}"
        )))
    })?;
    let document: Discovery = exchange.get_json(&uri).await.map_err(fail)?;
    let token_url = parse_url(&document.token_endpoint).map_err(|reason| {
        fail(Failure::Unusable(format!(
            "its `token_endpoint` `{}` {reason}",
            document.token_endpoint
        )))
    })?;
    let supported = document.token_endpoint_auth_methods_supported;
    let auth_method = match configured_method {
        Some(method) => method,
        None => pick_method(supported.as_deref()).ok_or_else(|| {
            fail(Failure::Unusable(
                "its `token_endpoint_auth_methods_supported` lists neither \
                 client_secret_basic nor client_secret_post"
                    .to_owned(),
            ))
        })?,
    };
    Ok(TokenEndpoint {
        url: token_url,
        auth_method,
    })
}

/// `client_secret_basic` unless the authority lists only `client_secret_post`. Without a list
/// the default applies, `client_secret_basic` (OpenID Connect Discovery 1.0, section 3).
fn pick_method(supported: Option<&[String]>) -> Option<ClientAuthMethod> {
    let Some(supported) = supported else {
        return Some(ClientAuthMethod::ClientSecretBasic);
    };
    [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
    ]
    .into_iter()
    .find(|method| supported.iter().any(|name| name == method.name()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discovery_document_sits_under_the_issuer() {
        for authority in ["https://login.example.com", "https://login.example.com/"] {
            assert_eq!(
                discovery_url(authority),
                "https://login.example.com/.well-known/openid-configuration"
            );
        }
        assert_eq!(
            discovery_url("https://login.example.com/realms/engine/"),
            "https://login.example.com/realms/engine/.well-known/openid-configuration"
        );
    }

    #[test]
    fn basic_is_preferred_and_post_taken_when_it_is_the_only_one() {
        let list = |names: &[&str]| names.iter().map(|&n| n.to_owned()).collect::<Vec<_>>();
        assert_eq!(pick_method(None), Some(ClientAuthMethod::ClientSecretBasic));
        assert_eq!(
            pick_method(Some(&list(&["client_secret_post", "client_secret_basic"]))),
            Some(ClientAuthMethod::ClientSecretBasic)
        );
        assert_eq!(
            pick_method(Some(&list(&["private_key_jwt", "client_secret_post"]))),
            Some(ClientAuthMethod::ClientSecretPost)
        );
        assert_eq!(pick_method(Some(&list(&["private_key_jwt"]))), None);
    }
}
