//! The process token of BPMN.md section 1: the payload a token carries, and the results of the
//! flow nodes it passed (`runtime/facades/process_token_facade.js`).
//!
//! Payloads are shared (`Arc`), never deep-copied: a token that moves through a loop with a
//! large payload keeps one copy of each distinct payload, however many steps it takes.

use std::fmt::Write as _;
use std::sync::Arc;

use serde_json::Value;

/// A shared JSON payload.
pub(crate) type Payload = Arc<Value>;

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
    /// keeps its place (`addResultForFlowNode`).
    pub(crate) fn record(&mut self, flow_node_id: &str, result: Payload) {
        let history = Arc::make_mut(&mut self.history);
        match history.iter_mut().find(|(id, _)| &**id == flow_node_id) {
            Some((_, slot)) => *slot = Arc::clone(&result),
            None => history.push((Arc::from(flow_node_id), Arc::clone(&result))),
        }
        self.current = Some(result);
    }

    /// The results of another token (a join's branches, a sub-process's parent), added to this one.
    pub(crate) fn merge_history(&mut self, other: &Token) {
        for (id, result) in other.history.iter() {
            let history = Arc::make_mut(&mut self.history);
            match history.iter_mut().find(|(own, _)| own == id) {
                Some((_, slot)) => *slot = Arc::clone(result),
                None => history.push((Arc::clone(id), Arc::clone(result))),
            }
        }
    }

    /// `{history, current}` as JSON text, the `token` every expression sees.
    pub(crate) fn to_js(&self) -> String {
        let mut text = String::from("{\"history\":{");
        for (index, (id, result)) in self.history.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            // Serialising a string and a Value cannot fail.
            let _ = write!(
                text,
                "{}:{}",
                Value::String(id.to_string()),
                result.as_ref()
            );
        }
        text.push('}');
        if let Some(current) = &self.current {
            let _ = write!(text, ",\"current\":{}", current.as_ref());
        }
        text.push('}');
        text
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    // process_token_facade.js: history keeps the order of first results; a rerun overwrites.
    #[test]
    fn history_keeps_insertion_order_and_overwrites_in_place() {
        let mut token = Token::new(Arc::new(json!({"a": 1})));
        assert_eq!(token.to_js(), r#"{"history":{}}"#);
        token.record("start", Arc::new(json!({"a": 1})));
        token.record("b", Arc::new(json!(2)));
        token.record("start", Arc::new(json!(3)));
        assert_eq!(
            token.to_js(),
            r#"{"history":{"start":3,"b":2},"current":3}"#
        );
    }

    #[test]
    fn copies_share_payloads() {
        let big = Arc::new(json!({"blob": "x".repeat(100_000)}));
        let mut token = Token::new(Arc::clone(&big));
        for step in 0..1000 {
            token.record(&format!("n{}", step % 3), Arc::clone(&big));
            let copy = token.clone();
            assert!(Arc::ptr_eq(&copy.payload, &big));
        }
        // One payload, shared by the token and every history slot.
        assert_eq!(Arc::strong_count(&big), 1 + 1 + 3 + 1);
    }
}
