//! Recorded values against the replay's: model and correlation ids renamed per run, the ids the
//! engine makes (instances, flow node instances, sessions) bound on first sight, and frames
//! compared as the protocol reads them (JSON by value, not by key order).

use std::collections::HashMap;

use process_engine_api_types::socket_io::{EnginePacket, SocketPacket};
use regex::Regex;
use serde_json::Value;

use super::transcript::Step;

/// The ids of one replay.
pub(crate) struct Ids {
    /// Recorded model and correlation ids, and what this run calls them.
    renames: Vec<(Regex, String)>,
    /// Recorded engine-made ids, and this run's.
    bound: HashMap<String, String>,
    /// This run's ids, and the recorded ones they stand for.
    reverse: HashMap<String, String>,
    uuid: Regex,
}

impl Ids {
    /// Renames every deployed model and every started correlation of `steps` with `run`, so
    /// that a replay can run any number of times on one engine.
    pub(crate) fn new(steps: &[Step], run: &str) -> Ids {
        let correlation = Regex::new(r#""correlationId":"([^"]+)""#).unwrap();
        let mut originals = Vec::new();
        for step in steps {
            match step {
                Step::Deploy { id, .. } => originals.push(id.clone()),
                Step::Request {
                    body: Some(body),
                    target,
                    ..
                } if target.contains("/start") => {
                    originals.extend(correlation.captures_iter(body).map(|c| c[1].to_owned()));
                }
                _ => {}
            }
        }
        originals.sort();
        originals.dedup();
        let renames = originals
            .into_iter()
            .map(|id| {
                let pattern = Regex::new(&format!(r"\b{}\b", regex::escape(&id))).unwrap();
                (pattern, format!("{id}_{run}"))
            })
            .collect();
        Ids {
            renames,
            bound: HashMap::new(),
            reverse: HashMap::new(),
            uuid: Regex::new(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
                .unwrap(),
        }
    }

    /// Whether a frame is an event of another replay's instance: a real engine sends every
    /// instance's events to every socket, also those of earlier sessions that still run.
    pub(crate) fn is_foreign(&self, frame: &str) -> bool {
        let Some(rest) = frame.strip_prefix("42") else {
            return false;
        };
        let correlation = Regex::new(r#""correlationId":"([^"]*)""#).unwrap();
        correlation.captures(rest).is_some_and(|found| {
            !self
                .renames
                .iter()
                .any(|(_, renamed)| renamed.as_str() == &found[1])
        })
    }

    /// A recorded text with this run's model and correlation ids.
    pub(crate) fn rename(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (pattern, renamed) in &self.renames {
            text = pattern.replace_all(&text, renamed.as_str()).into_owned();
        }
        text
    }

    /// A recorded request text for this run: renamed, and with the engine-made ids bound so
    /// far.
    pub(crate) fn outgoing(&self, text: &str) -> String {
        let mut text = self.rename(text);
        for (recorded, actual) in &self.bound {
            text = text.replace(recorded.as_str(), actual);
        }
        text
    }

    fn bind(&mut self, recorded: &str, actual: &str) -> Result<(), String> {
        if let Some(known) = self.bound.get(recorded) {
            return if known == actual {
                Ok(())
            } else {
                Err(format!("{recorded} was {known} before, now {actual}"))
            };
        }
        if let Some(other) = self.reverse.get(actual) {
            return Err(format!(
                "{actual} stands for {other} already, not {recorded}"
            ));
        }
        self.bound.insert(recorded.to_owned(), actual.to_owned());
        self.reverse.insert(actual.to_owned(), recorded.to_owned());
        Ok(())
    }

    /// Compares a recorded server frame with the one that came.
    pub(crate) fn frame(&mut self, recorded: &str, actual: &str) -> Result<(), String> {
        let recorded = self.rename(recorded);
        let decode =
            |text: &str| EnginePacket::decode(text).map_err(|error| format!("{error} in {text:?}"));
        match (decode(&recorded)?, decode(actual)?) {
            (EnginePacket::Open(want), EnginePacket::Open(got)) => {
                if (want.upgrades, want.ping_interval, want.ping_timeout)
                    != (got.upgrades.clone(), got.ping_interval, got.ping_timeout)
                {
                    return Err(format!("open packet {actual}, recorded {recorded}"));
                }
                self.bind(&want.sid, &got.sid)
            }
            (EnginePacket::Message(want), EnginePacket::Message(got)) => {
                let want = SocketPacket::decode(&want).map_err(|e| e.to_string())?;
                let got = SocketPacket::decode(&got).map_err(|e| e.to_string())?;
                if std::mem::discriminant(&want) != std::mem::discriminant(&got)
                    || want.namespace() != got.namespace()
                {
                    return Err(format!("{actual}, recorded {recorded}"));
                }
                let terminated = matches!(&want, SocketPacket::Event { data, .. }
                    if data.first().and_then(Value::as_str) == Some("process_terminated"));
                let data = |packet: SocketPacket| match packet {
                    SocketPacket::Event { data, .. } | SocketPacket::Ack { data, .. } => {
                        Value::Array(data)
                    }
                    SocketPacket::Connect { data, .. } => data.unwrap_or(Value::Null),
                    SocketPacket::ConnectError { data, .. } => data,
                    SocketPacket::Disconnect { .. } => Value::Null,
                };
                let (mut want, got) = (data(want), data(got));
                if terminated {
                    accept_either_termination_token(&mut want, &got);
                }
                self.json(&want, &got, "")
                    .map_err(|difference| format!("{difference} in {actual}"))
            }
            (want, got) if want == got => Ok(()),
            (want, got) => Err(format!("{got:?}, recorded {want:?}")),
        }
    }

    /// Compares JSON by value; recorded engine-made ids bind to the ones in `actual`.
    pub(crate) fn json(
        &mut self,
        recorded: &Value,
        actual: &Value,
        at: &str,
    ) -> Result<(), String> {
        match (recorded, actual) {
            (Value::String(want), Value::String(got)) if self.uuid.is_match(want) => self
                .bind(want, got)
                .map_err(|error| format!("{at}: {error}")),
            (Value::Object(want), Value::Object(got)) => {
                let mut want_keys: Vec<&String> = want.keys().collect();
                let mut got_keys: Vec<&String> = got.keys().collect();
                want_keys.sort();
                got_keys.sort();
                if want_keys != got_keys {
                    return Err(format!("{at}: keys {got_keys:?}, recorded {want_keys:?}"));
                }
                for (key, value) in want {
                    self.json(value, &got[key], &format!("{at}/{key}"))?;
                }
                Ok(())
            }
            (Value::Array(want), Value::Array(got)) if want.len() == got.len() => {
                for (n, (want, got)) in want.iter().zip(got).enumerate() {
                    self.json(want, got, &format!("{at}/{n}"))?;
                }
                Ok(())
            }
            (want, got) if want == got => Ok(()),
            (want, got) => Err(format!("{at}: {got}, recorded {want}")),
        }
    }

    /// Binds the engine-made ids of a recorded answer that was cut short in the recording (its
    /// JSON does not parse): the n-th `"key":"<id>"` of the recording is the n-th of the answer.
    pub(crate) fn bind_from_text(&mut self, recorded: &str, actual: &str) {
        let pair = Regex::new(
            r#""([A-Za-z]+)":"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})""#,
        )
        .unwrap();
        let mut seen: HashMap<String, Vec<String>> = HashMap::new();
        for found in pair.captures_iter(actual) {
            seen.entry(found[1].to_owned())
                .or_default()
                .push(found[2].to_owned());
        }
        let mut taken: HashMap<String, usize> = HashMap::new();
        for found in pair.captures_iter(recorded) {
            let n = taken.entry(found[1].to_owned()).or_default();
            if let Some(got) = seen.get(&found[1]).and_then(|ids| ids.get(*n)) {
                let _ = self.bind(&found[2], got);
            }
            *n += 1;
        }
    }

    /// Binds the engine-made ids of a recorded HTTP answer's JSON where the answer has the same
    /// shape; everything else of it (timestamps, states) is not compared.
    pub(crate) fn bind_from(&mut self, recorded: &Value, actual: &Value) {
        match (recorded, actual) {
            (Value::String(want), Value::String(got)) if self.uuid.is_match(want) => {
                let _ = self.bind(want, got);
            }
            (Value::Object(want), Value::Object(got)) => {
                for (key, value) in want {
                    if let Some(got) = got.get(key) {
                        self.bind_from(value, got);
                    }
                }
            }
            (Value::Array(want), Value::Array(got)) => {
                for (want, got) in want.iter().zip(got) {
                    self.bind_from(want, got);
                }
            }
            _ => {}
        }
    }
}

/// After a terminate through the management API, 8.0.0's handlers share one token object that
/// the termination rewrites: which of them already shows the error is a race, and the recording
/// caught one outcome. Either token is the engine's.
fn accept_either_termination_token(recorded: &mut Value, actual: &Value) {
    let error = serde_json::json!({"error": "Process was terminated!"});
    let empty = serde_json::json!({});
    let (Some(want), Some(got)) = (
        recorded.pointer_mut("/1/currentToken"),
        actual.pointer("/1/currentToken"),
    ) else {
        return;
    };
    if (*want == empty || *want == error) && (*got == empty || *got == error) {
        *want = got.clone();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn frames_match_by_value_with_ids_bound_once() {
        let steps = vec![Step::Deploy {
            file: "m.bpmn".into(),
            id: "conf_user_task".into(),
        }];
        let mut ids = Ids::new(&steps, "r1");
        let recorded = r#"42/consumer_api,["user_task_waiting",{"processModelId":"conf_user_task","processInstanceId":"861a9e21-caa4-4b45-8458-6de8766795dc","currentToken":{"a":1,"b":2}}]"#;
        let actual = r#"42/consumer_api,["user_task_waiting",{"currentToken":{"b":2,"a":1},"processInstanceId":"11111111-caa4-4b45-8458-6de8766795dc","processModelId":"conf_user_task_r1"}]"#;
        ids.frame(recorded, actual).unwrap();
        assert_eq!(
            ids.outgoing("/processes/861a9e21-caa4-4b45-8458-6de8766795dc/x/conf_user_task"),
            "/processes/11111111-caa4-4b45-8458-6de8766795dc/x/conf_user_task_r1"
        );
        let other = actual.replace("11111111", "22222222");
        assert!(ids.frame(recorded, &other).is_err(), "an id binds once");
        assert!(
            ids.json(&json!({"a": 1}), &json!({"a": 1, "b": 2}), "")
                .is_err()
        );
    }
}
