//! The process token (api/semantics.md, "The token"): the payload a token carries, and the
//! results of the flow nodes it passed (`process_engine_core`
//! `runtime/facades/process_token_facade.js`).
//!
//! Payloads are shared (`Arc`), never deep-copied: a token that moves through a loop with a
//! large payload keeps one copy of each distinct payload, however many steps it takes.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::failure::Failure;

/// A value as the core hands it from flow node to flow node: JSON, JavaScript's `undefined`
/// (what a worker's finish without `result` leaves), or the error a failing flow node left.
/// Cheap to clone.
///
/// Where it shows decides how it reads: the engine's database stores `JSON.stringify` of it,
/// and reads a stored `undefined` back as `{}` ([`Payload::stored`]); a live message (the
/// answer of a blocked start, an external task's payload) leaves an `undefined` out
/// ([`Payload::sent`]); expressions see the value itself, an error as an `Error` whose
/// `message` they can read although its JSON does not hold it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Payload(Arc<Held>);

#[derive(Debug, PartialEq)]
enum Held {
    Undefined,
    Json(Value),
    Error { message: String, json: Value },
}

impl Payload {
    /// A JSON value.
    pub(crate) fn json(value: Value) -> Payload {
        Payload(Arc::new(Held::Json(value)))
    }

    /// `{}`.
    pub(crate) fn empty_object() -> Payload {
        Payload::json(Value::Object(Map::new()))
    }

    /// JavaScript's `undefined`.
    pub(crate) fn undefined() -> Payload {
        Payload(Arc::new(Held::Undefined))
    }

    /// The error object a failing flow node leaves: on the token of a catching boundary
    /// event's path, and as the failing node's result.
    pub(crate) fn error(failure: &Failure) -> Payload {
        Payload(Arc::new(Held::Error {
            message: failure.message.clone(),
            json: failure.json.clone(),
        }))
    }

    /// A value of an expression, which is `undefined` when it yields nothing.
    pub(crate) fn evaluated(value: Option<Value>) -> Payload {
        value.map_or_else(Payload::undefined, Payload::json)
    }

    pub(crate) fn is_undefined(&self) -> bool {
        matches!(*self.0, Held::Undefined)
    }

    /// As the engine's database gives it back (`JSON.parse` of what `JSON.stringify` stored,
    /// and `{}` for nothing stored): token histories, user task lists, results.
    pub(crate) fn stored(&self) -> Value {
        self.sent().unwrap_or_else(|| Value::Object(Map::new()))
    }

    /// As a live message carries it into an answer: `None` for `undefined`, whose key
    /// `JSON.stringify` leaves out.
    pub(crate) fn sent(&self) -> Option<Value> {
        match &*self.0 {
            Held::Undefined => None,
            Held::Json(value) | Held::Error { json: value, .. } => Some(value.clone()),
        }
    }

    /// Whether JavaScript takes it for true (an error object always is).
    pub(crate) fn truthy(&self) -> bool {
        match &*self.0 {
            Held::Undefined => false,
            Held::Error { .. } => true,
            Held::Json(value) => match value {
                Value::Null => false,
                Value::Bool(b) => *b,
                Value::Number(n) => n.as_f64().is_some_and(|n| n != 0.0 && !n.is_nan()),
                Value::String(s) => !s.is_empty(),
                Value::Array(_) | Value::Object(_) => true,
            },
        }
    }

    /// The JSON an object member holds, when it is a JSON object (a nested call activity's
    /// result is looked at this way).
    pub(crate) fn member(&self, key: &str) -> Option<&Value> {
        match &*self.0 {
            Held::Json(Value::Object(object)) => object.get(key),
            _ => None,
        }
    }

    /// Whether both are the same shared value (not only equal ones).
    #[cfg(test)]
    pub(crate) fn ptr_eq(a: &Payload, b: &Payload) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }

    /// How it goes to JavaScript: its JSON (a stand-in for what JSON cannot hold), and what
    /// the prelude makes of that stand-in.
    fn to_js(&self) -> (&Value, Option<Value>) {
        static NULL: Value = Value::Null;
        match &*self.0 {
            Held::Json(value) => (value, None),
            Held::Undefined => (&NULL, Some(json!({ "undefined": true }))),
            Held::Error { message, json } => (
                &NULL,
                Some(json!({ "error": { "message": message, "json": json } })),
            ),
        }
    }
}

/// A token as JavaScript receives it: the `{history, current}` object as JSON text, and the
/// values JSON cannot hold (`undefined`, error objects) to put in its place.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JsToken {
    pub(crate) json: String,
    /// `{"current": special, "history": {<id>: special}}`, when there is any.
    pub(crate) specials: Option<String>,
}

/// A token: its payload and its history `{<flowNodeId>: result}` in insertion order (the order
/// `Object.keys(token.history)` shows in the core).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    /// The payload the token carries.
    pub(crate) payload: Payload,
    /// The last recorded result (`token.current`); `None` before any (JavaScript `undefined`).
    pub(crate) current: Option<Payload>,
    history: Arc<Vec<(Arc<str>, Payload)>>,
    /// The flow node instance the token comes from (for the token history).
    pub(crate) previous: Option<String>,
}

impl Token {
    /// A new token carrying `payload`, with no results yet.
    pub(crate) fn new(payload: Payload) -> Token {
        Token {
            payload,
            current: None,
            history: Arc::new(Vec::new()),
            previous: None,
        }
    }

    /// Records `result` for `flow_node_id`: a node that runs twice overwrites its key, which
    /// keeps its place (`addResultForFlowNode`, `getOldTokenFormat`).
    pub(crate) fn record(&mut self, flow_node_id: &str, result: Payload) {
        let history = Arc::make_mut(&mut self.history);
        match history.iter_mut().find(|(id, _)| &**id == flow_node_id) {
            Some((_, slot)) => *slot = result.clone(),
            None => history.push((Arc::from(flow_node_id), result.clone())),
        }
        self.current = Some(result);
    }

    /// The results of another token (a join's branches, a sub-process's parent), added to this one.
    pub(crate) fn merge_history(&mut self, other: &Token) {
        for (id, result) in other.history.iter() {
            let history = Arc::make_mut(&mut self.history);
            match history.iter_mut().find(|(own, _)| own == id) {
                Some((_, slot)) => *slot = result.clone(),
                None => history.push((Arc::clone(id), result.clone())),
            }
        }
    }

    /// `{history, current}`, the `token` every expression sees.
    pub(crate) fn to_js(&self) -> JsToken {
        let mut text = String::from("{\"history\":{");
        let mut specials = Map::new();
        let mut history_specials = Map::new();
        for (index, (id, result)) in self.history.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            let (value, special) = result.to_js();
            // Serialising a string and a Value cannot fail.
            let _ = write!(text, "{}:{value}", Value::String(id.to_string()));
            if let Some(special) = special {
                history_specials.insert(id.to_string(), special);
            }
        }
        text.push('}');
        if let Some(current) = &self.current {
            let (value, special) = current.to_js();
            let _ = write!(text, ",\"current\":{value}");
            if let Some(special) = special {
                specials.insert("current".to_owned(), special);
            }
        }
        text.push('}');
        if !history_specials.is_empty() {
            specials.insert("history".to_owned(), Value::Object(history_specials));
        }
        JsToken {
            json: text,
            specials: (!specials.is_empty()).then(|| Value::Object(specials).to_string()),
        }
    }

    /// `{history, current}` as `JSON.stringify` writes it (an `undefined` left out), as an
    /// error's `additionalInformation` carries it.
    pub(crate) fn to_json(&self) -> Value {
        let history: Map<String, Value> = self
            .history
            .iter()
            .filter_map(|(id, result)| Some((id.to_string(), result.sent()?)))
            .collect();
        let mut token = Map::new();
        token.insert("history".to_owned(), Value::Object(history));
        if let Some(current) = self.current.as_ref().and_then(Payload::sent) {
            token.insert("current".to_owned(), current);
        }
        Value::Object(token)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // process_token_facade.js: history keeps the order of first results; a rerun overwrites.
    #[test]
    fn history_keeps_insertion_order_and_overwrites_in_place() {
        let mut token = Token::new(Payload::json(json!({"a": 1})));
        assert_eq!(token.to_js().json, r#"{"history":{}}"#);
        token.record("start", Payload::json(json!({"a": 1})));
        token.record("b", Payload::json(json!(2)));
        token.record("start", Payload::json(json!(3)));
        let js = token.to_js();
        assert_eq!(js.json, r#"{"history":{"start":3,"b":2},"current":3}"#);
        assert_eq!(js.specials, None);
    }

    #[test]
    fn values_json_cannot_hold_travel_beside_it() {
        let mut token = Token::new(Payload::undefined());
        token.record("worker", Payload::undefined());
        let failure = Failure::bpmn("Known", "E1");
        token.record("failed", Payload::error(&failure));
        let js = token.to_js();
        assert_eq!(
            js.json,
            r#"{"history":{"worker":null,"failed":null},"current":null}"#
        );
        let specials: Value = serde_json::from_str(js.specials.as_deref().unwrap()).unwrap();
        assert_eq!(
            specials,
            json!({
                "current": {"error": {"message": "", "json": {"name": "Known", "code": "E1"}}},
                "history": {
                    "worker": {"undefined": true},
                    "failed": {"error": {"message": "", "json": {"name": "Known", "code": "E1"}}},
                },
            })
        );
        // JSON.stringify leaves the undefined result out and writes the error's own properties.
        assert_eq!(
            token.to_json(),
            json!({"history": {"failed": {"name": "Known", "code": "E1"}}, "current": {"name": "Known", "code": "E1"}})
        );
    }

    // flow_node_instance.repository.sequelize: `JSON.stringify(payload)`, read back with
    // `payload ? JSON.parse(payload) : {}`.
    #[test]
    fn undefined_is_stored_as_an_empty_object_and_sent_as_nothing() {
        assert_eq!(Payload::undefined().stored(), json!({}));
        assert_eq!(Payload::undefined().sent(), None);
        assert_eq!(Payload::json(Value::Null).stored(), Value::Null);
        assert_eq!(Payload::json(json!(0)).sent(), Some(json!(0)));
        for (falsy, payload) in [
            (true, Payload::undefined()),
            (true, Payload::json(json!(null))),
            (true, Payload::json(json!(0))),
            (true, Payload::json(json!(""))),
            (true, Payload::json(json!(false))),
            (false, Payload::json(json!({}))),
            (false, Payload::json(json!([]))),
            (false, Payload::json(json!("0"))),
            (false, Payload::error(&Failure::opaque(500, "x"))),
        ] {
            assert_eq!(payload.truthy(), !falsy, "{payload:?}");
        }
    }

    #[test]
    fn copies_share_payloads() {
        let big = Payload::json(json!({"blob": "x".repeat(100_000)}));
        let mut token = Token::new(big.clone());
        for step in 0..1000 {
            token.record(&format!("n{}", step % 3), big.clone());
            let copy = token.clone();
            assert!(Payload::ptr_eq(&copy.payload, &big));
        }
        // One payload, shared by the token and every history slot.
        assert_eq!(Arc::strong_count(&big.0), 1 + 1 + 3 + 1);
    }
}
