//! Deploying a scenario's models before its first step, through
//! `POST /api/deployment/v1/import_process_model` with `overwriteExisting: true`.

use crate::error::{Result, ScenarioError};
use crate::http::HttpClient;
use crate::json::Json;
use crate::ordered::Ordered;
use crate::pytext;
use crate::record::WrittenDeployment;
use crate::request::{DEFAULT_TIMEOUT, Request};
use crate::response::Outcome;
use crate::scenario::{Model, Scenario};
use crate::subst::subst_str;
use crate::vars::Env;

/// Deploys every model of the scenario; returns what went wrong (nothing if all went in), and
/// each deployment for a transcript.
pub(crate) async fn deploy_models(
    scenario: &Scenario,
    env: &Env,
    http: &HttpClient,
    token: &str,
) -> Result<(Vec<String>, Vec<WrittenDeployment>)> {
    let mut problems = Vec::new();
    let mut written = Vec::new();
    for model in &scenario.models {
        let xml = env.bpmn(&model.file)?;
        let name = deploy_name(model, env)?;
        let body = Ordered::from_iter([
            ("name".to_owned(), name.clone()),
            ("xml".to_owned(), xml.into()),
            ("overwriteExisting".to_owned(), Json::Bool(true)),
        ]);
        let request = Request {
            method: "POST".to_owned(),
            path: "/api/deployment/v1/import_process_model".to_owned(),
            query: Vec::new(),
            headers: vec![
                ("Authorization".to_owned(), format!("Bearer {token}")),
                ("Content-Type".to_owned(), "application/json".to_owned()),
            ],
            body: Some(pytext::spaced(&Json::Object(body)).into_bytes()),
            timeout: DEFAULT_TIMEOUT,
        };
        let outcome = http.send(&request).await;
        written.push(WrittenDeployment::new(&model.file, name.clone(), &outcome));
        let name = crate::subst::as_text(name);
        let file = &model.file;
        match outcome {
            Outcome::Answered(reply) if reply.status == 200 => {}
            Outcome::Answered(reply) => problems.push(format!(
                "deploy of {file} as {name} failed: {} {}",
                reply.status,
                pytext::head(&reply.text, 200)
            )),
            Outcome::NoAnswer { error, .. } => {
                problems.push(format!("deploy of {file} as {name} failed: {error} "));
            }
        }
    }
    Ok((problems, written))
}

/// The name a model is deployed as: the model's `name`, or else the process id in its file.
pub(crate) fn deploy_name(model: &Model, env: &Env) -> Result<Json> {
    if let Some(name) = model.name.as_deref().filter(|name| !name.is_empty()) {
        return subst_str(name, env);
    }
    let xml = env.bpmn(&model.file)?;
    match process_id(xml) {
        Some(id) => Ok(id.into()),
        None => Err(ScenarioError::invalid(format!(
            "cannot find the process id in {}",
            model.file
        ))),
    }
}

/// The `id` attribute of the first `<process>` (or `<bpmn:process>`) element.
fn process_id(xml: &str) -> Option<&str> {
    xml.match_indices('<').find_map(|(start, _)| {
        let tag = &xml[start + 1..];
        let tag = tag.strip_prefix("bpmn:").unwrap_or(tag);
        let attributes = tag.strip_prefix("process")?;
        if attributes.starts_with(is_word_char) {
            return None;
        }
        let tag_end = attributes.find('>').unwrap_or(attributes.len());
        // The last `id="..."` that starts inside the tag (as the recording tool's greedy pattern takes it).
        attributes[..tag_end]
            .match_indices("id=\"")
            .filter(|(at, _)| !attributes[..*at].ends_with(is_word_char))
            .filter_map(|(at, _)| {
                let value = &attributes[at + 4..];
                let value = &value[..value.find('"')?];
                (!value.is_empty()).then_some(value)
            })
            .last()
    })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_id_is_found_in_the_process_element() {
        let xml = r#"<bpmn:participant id="P" processRef="p1" /><bpmn:process id="p1" name="x" isExecutable="true"><bpmn:startEvent id="s"/>"#;
        assert_eq!(process_id(xml), Some("p1"));
        assert_eq!(
            process_id(r#"<process isExecutable="true" id="p2">"#),
            Some("p2")
        );
        assert_eq!(
            process_id(r#"<processes id="no"><bpmn:process xid="a">"#),
            None
        );
        assert_eq!(process_id(r#"<bpmn:process id="">"#), None);
    }
}
