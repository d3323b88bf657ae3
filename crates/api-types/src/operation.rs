//! What a typed operation is: a route with its parameters, query and body, and the type its
//! answer decodes to. The generated [`operations`](crate::operations) implement it, one per
//! route; a transport sends any of them and decodes the answer with [`Operation::decode`].

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::route::Route;

/// One call of the engine's API, described without doing any I/O: which route, the values of
/// its path parameters, its query and body, and how to read a successful answer.
///
/// The generated [`operations`](crate::operations) implement it for every route of the API
/// description. Implement it yourself for a route the description does not have (an engine
/// extension); the transport sends it like any other.
pub trait Operation: fmt::Debug + Send + Sync {
    /// The query parameters (`()` for routes without any).
    type Query: Serialize + Send + Sync;
    /// The JSON body (`()` for routes without one).
    type Body: Serialize + Send + Sync;
    /// What a successful answer decodes to (`()` for routes that answer without a body).
    type Response: Send + 'static;

    /// The route: method, path template, retry class.
    fn route(&self) -> &'static Route;

    /// The values of the path parameters, unencoded, in the order of the route's
    /// [`path_params`](Route::path_params).
    fn path_params(&self) -> Vec<&str>;

    /// The query parameters, if the route takes any.
    fn query(&self) -> Option<&Self::Query> {
        None
    }

    /// Appends the [`query`](Self::query) to `out`: `name=value` pairs, URL-encoded as
    /// `application/x-www-form-urlencoded`, joined by `&` (and by `&` to what `out` holds);
    /// `None` fields left out.
    ///
    /// The default serializes the query with serde (`serde_urlencoded`), and fails as it does
    /// (on a nested value, say). The generated operations write their parameters directly.
    fn write_query(&self, out: &mut String) -> Result<(), QueryError> {
        let Some(query) = self.query() else {
            return Ok(());
        };
        let encoded = serde_urlencoded::to_string(query).map_err(QueryError)?;
        if !encoded.is_empty() {
            if !out.is_empty() {
                out.push('&');
            }
            out.push_str(&encoded);
        }
        Ok(())
    }

    /// The JSON body, if the route takes one.
    fn body(&self) -> Option<&Self::Body> {
        None
    }

    /// Decodes the body of a successful (2xx) answer.
    fn decode(body: &[u8]) -> Result<Self::Response, DecodeError>;
}

/// A query that cannot be written as a query string (a nested value, say).
/// It says what the serializer said.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct QueryError(serde_urlencoded::ser::Error);

/// An answer whose body does not have the shape its operation promises.
#[derive(Debug, thiserror::Error)]
#[error("the answer does not fit at `{path}`")]
pub struct DecodeError {
    path: String,
    #[source]
    source: serde_json::Error,
}

impl DecodeError {
    /// Where in the body the shape broke (`processModels[0].id`; `.` for the body as a whole).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Splits the error into its path and the JSON parser's error.
    pub fn into_parts(self) -> (String, serde_json::Error) {
        (self.path, self.source)
    }
}

/// Decodes `body` as `T`, naming the first field that does not fit. Trailing bytes after the
/// value are as wrong as a missing field.
pub fn decode_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, DecodeError> {
    // Tracking the path costs on every field; only a body that does not fit needs it, so it is
    // read again with tracking then (the same input gives the same error).
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value =
        serde_path_to_error::deserialize(&mut deserializer).map_err(|error| DecodeError {
            path: error.path().to_string(),
            source: error.into_inner(),
        })?;
    deserializer.end().map_err(|source| DecodeError {
        path: ".".to_owned(),
        source,
    })?;
    Ok(value)
}

/// Reads the answer of a route that answers without a body. Its body is never parsed: the
/// deployment routes answer `200` with an empty body, or with whatever a proxy adds.
pub fn decode_nothing(_body: &[u8]) -> Result<(), DecodeError> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;
    use crate::operations::{GetProcessModelById, OperationId, StartProcessInstance};
    use crate::{models, routes};

    #[derive(Debug, Deserialize)]
    #[serde(rename_all = "camelCase")]
    #[allow(dead_code, reason = "only decoded")]
    struct List {
        process_models: Vec<Model>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code, reason = "only decoded")]
    struct Model {
        id: String,
    }

    #[test]
    fn decode_names_the_failing_field() {
        let error = decode_json::<List>(br#"{"processModels":[{"id":1}]}"#).unwrap_err();
        assert_eq!(error.path(), "processModels[0].id");
        assert_eq!(
            error.to_string(),
            "the answer does not fit at `processModels[0].id`"
        );
        let error = decode_json::<List>(br#"{"processModels":[]} x"#).unwrap_err();
        assert_eq!(error.path(), ".");
        assert!(decode_json::<List>(br#"{"processModels":[{"id":"a"}]}"#).is_ok());
    }

    #[test]
    fn an_operation_carries_its_route_parameters_and_body() {
        let op = GetProcessModelById::new("order");
        assert_eq!(op.route(), &routes::GET_PROCESS_MODEL_BY_ID);
        assert_eq!(op.path_params(), ["order"]);
        assert!(op.query().is_none() && op.body().is_none());

        let body = models::ProcessStartRequest::new().with_correlation_id("c1");
        let query = models::StartProcessInstanceQuery::new()
            .with_start_callback_type(models::StartCallbackType::OnProcessInstanceFinished)
            .with_start_event_id("start");
        let op = StartProcessInstance::new("order", body).with_query(query);
        assert_eq!(op.path_params(), ["order"]);
        assert_eq!(op.body().unwrap().correlation_id.as_deref(), Some("c1"));
        assert_eq!(op.query().unwrap().start_event_id.as_deref(), Some("start"));
    }

    #[test]
    fn every_operation_id_names_its_route() {
        assert_eq!(OperationId::ALL.len(), routes::ALL.len());
        for (id, route) in OperationId::ALL.iter().zip(routes::ALL) {
            assert_eq!(id.route(), route);
            assert_eq!(OperationId::from_name(route.operation), Some(*id));
        }
        assert_eq!(OperationId::from_name("no_such_operation"), None);
    }

    #[test]
    fn validation_decodes_as_the_operations_response() {
        let id = OperationId::GetProcessModelById;
        let error = id.validate_response(br#"{"id": 1}"#).unwrap_err();
        assert_eq!(error.path(), "id");
        // Routes without an answer body never look at it.
        assert!(
            OperationId::FinishExternalTask
                .validate_response(b"<html>")
                .is_ok()
        );
    }
}
