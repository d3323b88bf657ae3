//! The variables of one scenario run (recordings README §2.1): the built-ins `run`, `token`, `base_url` and
//! `bpmn:FILE`, the unique names, and the scenario's own `vars` — strings with substitution or
//! generated values (`jwt`, `base64`, `json`) — evaluated in the order listed.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::error::{Result, ScenarioError};
use crate::json::Json;
use crate::pytext;
use crate::scenario::Scenario;
use crate::subst::{subst, subst_str};
use crate::unique;

/// The token the corpus expects (base64 of `dummy_token`): several steps check its user id.
pub const DEFAULT_TOKEN: &str = "ZHVtbXlfdG9rZW4=";

/// A fresh run id such as `r1a2b3c4d`.
pub(crate) fn new_run_id() -> String {
    let hex = uuid::Uuid::new_v4().simple().to_string();
    format!("r{}", &hex[..8])
}

/// Variables by name, and the scenario's BPMN files after renaming. Cheap to clone, so that a
/// concurrent step can take the variables as they are when it starts.
#[derive(Clone, Debug)]
pub(crate) struct Env {
    vars: HashMap<String, Json>,
    bpmn: Arc<BTreeMap<String, String>>,
}

impl Env {
    #[cfg(test)]
    /// No variables and no BPMN files.
    pub(crate) fn empty() -> Self {
        Self {
            vars: HashMap::new(),
            bpmn: Arc::default(),
        }
    }

    /// The variables for one run of `scenario`; `bpmn` holds the files of `scenarios/bpmn/`.
    pub(crate) fn prepare(
        scenario: &Scenario,
        bpmn: &BTreeMap<String, String>,
        run: &str,
        token: &str,
        base_url: &str,
    ) -> Result<Self> {
        let literals: Vec<&str> = scenario.unique.values().map(String::as_str).collect();
        let renamed = bpmn
            .iter()
            .map(|(file, xml)| (file.clone(), unique::rename(xml, &literals, run)))
            .collect();
        let mut env = Self {
            vars: HashMap::new(),
            bpmn: Arc::new(renamed),
        };
        env.set("run", run.into());
        env.set("token", token.into());
        env.set("base_url", base_url.into());
        for (var, literal) in scenario.unique.iter() {
            env.set(var, unique::name(literal, run).into());
        }
        for (var, spec) in scenario.vars.iter() {
            let value = generate(spec, &env)?;
            env.set(var, value);
        }
        Ok(env)
    }

    pub(crate) fn set(&mut self, name: &str, value: Json) {
        self.vars.insert(name.to_owned(), value);
    }

    /// The value of `${name}`.
    pub(crate) fn lookup(&self, name: &str) -> Result<Json> {
        if let Some(file) = name.strip_prefix("bpmn:") {
            return self.bpmn(file).map(Json::from);
        }
        self.vars
            .get(name)
            .cloned()
            .ok_or_else(|| ScenarioError::Undefined(name.to_owned()))
    }

    /// The content of `bpmn/FILE`, with this run's unique names.
    pub(crate) fn bpmn(&self, file: &str) -> Result<&str> {
        self.bpmn
            .get(file)
            .map(String::as_str)
            .ok_or_else(|| ScenarioError::invalid(format!("unknown BPMN file in ${{bpmn:{file}}}")))
    }
}

/// The value of one entry of `vars`: a string (substituted), or `{"jwt": claims}`,
/// `{"base64": "text"}`, `{"json": value}`.
fn generate(spec: &Json, env: &Env) -> Result<Json> {
    match (generator(spec), spec) {
        (Some(("jwt", claims)), _) => Ok(unsigned_jwt(&subst(claims, env)?).into()),
        (Some(("base64", Json::String(text))), _) => match subst_str(text, env)? {
            Json::String(text) => Ok(STANDARD.encode(text).into()),
            _ => Err(ScenarioError::invalid("a base64 var needs a string")),
        },
        (Some(("json", value)), _) => subst(value, env),
        (_, Json::String(text)) => subst_str(text, env),
        _ => {
            let spec = pytext::short(spec, usize::MAX);
            Err(ScenarioError::invalid(format!("bad var spec {spec}")))
        }
    }
}

/// The kind and argument of a generated var (`{"kind": argument}`).
fn generator(spec: &Json) -> Option<(&str, &Json)> {
    let Json::Object(map) = spec else {
        return None;
    };
    let mut entries = map.iter();
    match (entries.next(), entries.next()) {
        (Some(entry), None) => Some(entry),
        _ => None,
    }
}

/// An unsigned JWT (`"alg": "none"`, empty signature) with these claims, byte for byte as
/// the recording tool makes it.
fn unsigned_jwt(claims: &Json) -> String {
    let header = r#"{"alg":"none","typ":"JWT"}"#;
    let claims = pytext::compact(claims);
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario(text: &str) -> Scenario {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn built_ins_unique_names_and_vars_in_order() {
        let sc = scenario(
            r#"{"name": "s", "steps": [], "unique": {"model": "conf_x"},
                "vars": {"corr": "c-${run}", "again": "${corr}/${model}", "n": {"json": {"k": "${corr}"}},
                         "b": {"base64": "dummy_${corr}"}}}"#,
        );
        let bpmn = BTreeMap::from([("x.bpmn".to_owned(), r#"<process id="conf_x">"#.to_owned())]);
        let env = Env::prepare(&sc, &bpmn, "r00000001", "tok", "http://h").unwrap();
        let get = |name: &str| env.lookup(name).unwrap();
        assert_eq!(get("run"), "r00000001".into());
        assert_eq!(get("token"), "tok".into());
        assert_eq!(get("base_url"), "http://h".into());
        assert_eq!(get("model"), "conf_x_r00000001".into());
        assert_eq!(get("again"), "c-r00000001/conf_x_r00000001".into());
        assert_eq!(get("n"), Json::parse(br#"{"k": "c-r00000001"}"#).unwrap());
        assert_eq!(get("b"), STANDARD.encode("dummy_c-r00000001").into());
        assert_eq!(
            get("bpmn:x.bpmn"),
            r#"<process id="conf_x_r00000001">"#.into()
        );
        assert!(matches!(
            env.lookup("bpmn:y.bpmn"),
            Err(ScenarioError::Invalid(_))
        ));
        assert!(matches!(
            env.lookup("nope"),
            Err(ScenarioError::Undefined(_))
        ));
    }

    #[test]
    fn jwt_claims_keep_their_order_as_written() {
        let sc = scenario(
            r#"{"name": "s", "steps": [], "vars": {"alice": {"jwt": {"sub": "alice-${run}", "name": "Alice"}}}}"#,
        );
        let env = Env::prepare(&sc, &BTreeMap::new(), "r5a7cf0b2", "t", "u").unwrap();
        // What the recording tool made for the run r5a7cf0b2.
        let want = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZS1yNWE3Y2YwYjIiLCJuYW1lIjoiQWxpY2UifQ.";
        assert_eq!(env.lookup("alice").unwrap(), want.into());
    }

    #[test]
    fn run_ids_look_like_the_recordings_ones() {
        let run = new_run_id();
        assert_eq!(run.len(), 9);
        assert!(run.starts_with('r') && run[1..].chars().all(|c| c.is_ascii_hexdigit()));
    }
}
