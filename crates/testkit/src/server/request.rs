//! One request, after the engine's middleware: body read, caller identified, route found.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_TYPE};
use percent_encoding::percent_decode_str;
use process_engine_api_types::route::Method;
use process_engine_api_types::{OperationId, Route, routes};
use serde_json::Value;

use super::body;
use super::reply::Reply;
use crate::auth::{self, DUMMY_TOKEN, DUMMY_USER, Identity};
use crate::engine::Reject;

/// A routed request, as the handlers see it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation: OperationId,
    pub(crate) route: &'static Route,
    params: Vec<String>,
    query: Vec<(String, String)>,
    pub(crate) body: Value,
    identity: Option<Identity>,
}

/// The operations by name, for the routes the router finds.
static OPERATIONS: LazyLock<HashMap<&'static str, OperationId>> = LazyLock::new(|| {
    OperationId::ALL
        .iter()
        .map(|&id| (id.route().operation, id))
        .collect()
});

static ANONYMOUS: LazyLock<Identity> = LazyLock::new(|| Identity {
    token: DUMMY_TOKEN.to_owned(),
    user_id: DUMMY_USER.to_owned(),
});

impl Call {
    /// The path parameter `name`, decoded.
    pub(crate) fn param(&self, name: &str) -> &str {
        self.route
            .path_params
            .iter()
            .position(|p| *p == name)
            .and_then(|i| self.params.get(i))
            .map_or("", String::as_str)
    }

    /// Whether the route has the path parameter `name`.
    pub(crate) fn has_param(&self, name: &str) -> bool {
        self.route.path_params.contains(&name)
    }

    /// The query parameter `name`, decoded.
    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The caller; routes outside the API roots (which need none) see the development identity.
    pub(crate) fn caller(&self) -> &Identity {
        self.identity.as_ref().unwrap_or(&ANONYMOUS)
    }

    /// A string field of the body.
    pub(crate) fn body_str(&self, field: &str) -> Option<&str> {
        self.body.get(field).and_then(Value::as_str)
    }

    /// A field of the body as the JavaScript number the engine computes with (`+value`):
    /// numbers as they are, numeric strings read, `true` 1, `null` and a missing field 0 (moment
    /// adds nothing for `undefined`), anything else NaN.
    pub(crate) fn body_number(&self, field: &str) -> f64 {
        match self.body.get(field) {
            None | Some(Value::Null) => 0.0,
            Some(Value::Number(number)) => number.as_f64().unwrap_or(f64::NAN),
            Some(Value::Bool(flag)) => f64::from(u8::from(*flag)),
            Some(Value::String(text)) => string_to_number(text),
            Some(Value::Array(_) | Value::Object(_)) => f64::NAN,
        }
    }

    /// A non-negative whole number of the body, fractions cut off; `None` when missing or not a
    /// finite number.
    pub(crate) fn body_u64(&self, field: &str) -> Option<u64> {
        let number = self.body.get(field)?;
        number.as_u64().or_else(|| {
            number.as_f64().filter(|f| f.is_finite()).map(|f| {
                // Saturating: the engine does no validation, but a duration beyond u64 ms is
                // forever either way.
                #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let whole = f.max(0.0) as u64;
                whole
            })
        })
    }
}

/// Runs the engine's middleware in its order: CORS preflight, body parser (before the auth
/// check, so malformed JSON without a token is a 500), identity under the API roots, routing.
pub(crate) fn route(
    method: &http::Method,
    uri: &http::Uri,
    headers: &http::HeaderMap,
    body: &Bytes,
) -> Result<Call, Reply> {
    if method == http::Method::OPTIONS {
        return Err(Reply::Preflight);
    }
    let content_type = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let body = body::read(content_type, body).map_err(|message| Reject::new(500, message))?;
    let path = uri.path();
    // express matches mount paths as it matches routes: ignoring case.
    let identity = if path
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("/api/"))
    {
        let header = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
        let identity = auth::identify(header).map_err(|f| Reject::new(f.status(), f.message()))?;
        Some(identity)
    } else {
        None
    };
    // Express serves HEAD with the GET route's handler; Node leaves the body out.
    let api_method = match *method {
        http::Method::GET | http::Method::HEAD => Some(Method::Get),
        http::Method::POST => Some(Method::Post),
        _ => None,
    };
    let Some((route, raw)) =
        api_method.and_then(|m| Route::find_ignore_ascii_case(routes::ALL, m, path))
    else {
        return Err(Reply::NoRoute {
            method: method.to_string(),
            path: path.to_owned(),
        });
    };
    let Some(&operation) = OPERATIONS.get(route.operation) else {
        // The router's table and the operations come from one API description.
        return Err(Reply::Error(Reject::new(
            500,
            format!("The stand-in engine does not serve {}.", route.operation),
        )));
    };
    let params = raw.iter().map(|p| decode(p, false).into_owned()).collect();
    let query = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (
                decode(key, true).into_owned(),
                decode(value, true).into_owned(),
            )
        })
        .collect();
    Ok(Call {
        operation,
        route,
        params,
        query,
        body,
        identity,
    })
}

/// JavaScript's `Number(text)` for the decimal forms (and `Infinity`): white space around is
/// ignored, an empty text is 0, anything else that is not a number is NaN.
fn string_to_number(text: &str) -> f64 {
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if text.is_empty() {
        return 0.0;
    }
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    // Rust also reads `inf`, `nan` and `infinity` in any case; JavaScript only `Infinity`.
    let alphabetic = unsigned.starts_with(|c: char| c.is_ascii_alphabetic());
    match (unsigned, alphabetic) {
        ("Infinity", _) => text.parse().unwrap_or(f64::NAN),
        (_, true) => f64::NAN,
        _ => text.parse().unwrap_or(f64::NAN),
    }
}

fn decode(text: &str, plus_is_space: bool) -> Cow<'_, str> {
    if plus_is_space && text.contains('+') {
        Cow::Owned(
            percent_decode_str(&text.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned(),
        )
    } else {
        percent_decode_str(text).decode_utf8_lossy()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(method: Method, path: &str) -> Option<(&'static str, Vec<&str>)> {
        Route::find_ignore_ascii_case(routes::ALL, method, path)
            .map(|(route, values)| (route.operation, values))
    }

    #[test]
    fn literal_segments_match_whatever_their_case_and_values_stay_as_sent() {
        assert_eq!(
            found(Method::Get, "/api/consumer/v1/PROCESS_MODELS"),
            Some(("get_process_models", vec![]))
        );
        assert_eq!(
            found(Method::Get, "/API/Consumer/V1/Process_Models/MyModel/"),
            Some(("get_process_model_by_id", vec!["MyModel"]))
        );
        assert_eq!(
            found(Method::Post, "/Api/External_Task/v1/TASK/AbC%20d/Finish"),
            Some(("finish_external_task", vec!["AbC%20d"]))
        );
        assert_eq!(found(Method::Get, "/api/consumer/v1/process_modelz"), None);
        assert_eq!(found(Method::Post, "/api/consumer/v1/process_models"), None);
    }

    #[test]
    fn the_most_specific_template_wins_whatever_the_case() {
        assert_eq!(
            found(Method::Get, "/api/management/v1/correlations/ACTIVE"),
            Some(("get_active_correlations", vec![]))
        );
        assert_eq!(
            found(Method::Get, "/api/management/v1/correlations/Active-1"),
            Some(("get_correlation_by_id", vec!["Active-1"]))
        );
    }

    /// The route's path with `value` for each parameter.
    fn concrete(route: &Route) -> String {
        route
            .path
            .split('/')
            .map(|s| if s.starts_with('{') { "value" } else { s })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn every_route_of_the_api_description_is_routed_to_its_operation() {
        for &id in OperationId::ALL {
            let route = id.route();
            let path = concrete(route);
            let method = match route.method {
                Method::Get => http::Method::GET,
                _ => http::Method::POST,
            };
            let mut headers = http::HeaderMap::new();
            headers.insert(AUTHORIZATION, "Bearer ZHVtbXlfdG9rZW4=".parse().unwrap());
            let uri = path.parse::<http::Uri>().unwrap();
            match super::route(&method, &uri, &headers, &Bytes::new()) {
                Ok(call) => assert_eq!(call.operation, id, "{path}"),
                Err(reply) => panic!("{path}: {reply:?}"),
            }
        }
    }

    #[test]
    fn it_finds_what_route_find_finds() {
        for route in routes::ALL {
            let path = concrete(route);
            let expected = Route::find(routes::ALL, route.method, &path).map(|(r, _)| r.operation);
            assert_eq!(
                found(route.method, &path).map(|(operation, _)| operation),
                expected,
                "{path}"
            );
        }
    }

    #[test]
    fn the_auth_check_covers_the_api_roots_in_any_case() {
        let uri = |path: &str| path.parse::<http::Uri>().unwrap();
        let route_without_token = |path: &str| {
            route(
                &http::Method::GET,
                &uri(path),
                &http::HeaderMap::new(),
                &Bytes::new(),
            )
        };
        for path in ["/API/consumer/v1/process_models", "/Api/nowhere"] {
            match route_without_token(path) {
                Err(Reply::Error(reject)) => assert_eq!(reject.status, 401, "{path}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        assert!(route_without_token("/Security/Authority").is_ok());
    }
}
