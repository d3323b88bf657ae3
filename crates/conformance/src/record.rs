//! Writing transcripts (`api/recordings/README.md`, "Transcripts"): what an engine answered in
//! a run, step by step, in the format the offline check reads back. This is how a scenario the
//! project writes becomes a recording: run it against a real 8.0.0 with `--record`.

use std::path::Path;

use serde::Serialize;

use crate::json::Json;
use crate::ordered::Ordered;
use crate::request::Request;
use crate::response::Outcome;
use crate::scenario::ContentClass;

/// A whole transcript, as written.
#[derive(Debug, Serialize)]
pub(crate) struct Written {
    pub(crate) scenario: String,
    pub(crate) description: Option<String>,
    pub(crate) run: String,
    pub(crate) setup: Vec<WrittenDeployment>,
    pub(crate) steps: Vec<WrittenStep>,
    pub(crate) passed: bool,
    pub(crate) duration_ms: u64,
}

impl Written {
    /// Writes the transcript as `<dir>/<scenario>.json`, creating `dir` if needed.
    pub(crate) fn save(&self, dir: &Path) -> Result<(), String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(format!("{}.json", self.scenario));
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| format!("{}: cannot write the transcript: {e}", path.display()))?;
        text.push('\n');
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

/// One model deployed before the steps, and how the engine answered.
#[derive(Debug, Serialize)]
pub(crate) struct WrittenDeployment {
    /// The BPMN file.
    pub(crate) deploy: String,
    pub(crate) name: Json,
    pub(crate) status: Option<u16>,
    pub(crate) content_type: Option<String>,
    pub(crate) body: Json,
}

impl WrittenDeployment {
    pub(crate) fn new(file: &str, name: Json, outcome: &Outcome) -> Self {
        let (status, content_type, body) = match outcome.reply() {
            Some(reply) => (
                Some(reply.status),
                reply.content_type.clone(),
                reply.body.clone(),
            ),
            None => (None, None, Json::Null),
        };
        Self {
            deploy: file.to_owned(),
            name,
            status,
            content_type,
            body,
        }
    }
}

/// One step: the request sent and the last answer (of a `repeat_until`, the last attempt).
#[derive(Debug, Serialize)]
pub(crate) struct WrittenStep {
    pub(crate) name: Option<String>,
    /// `None` for a step whose variables could not be filled.
    pub(crate) request: Option<WrittenRequest>,
    pub(crate) response: Option<WrittenResponse>,
    /// For a request that got no answer: whether the timeout ran out.
    pub(crate) no_response: Option<bool>,
    pub(crate) elapsed_ms: Option<u64>,
    pub(crate) attempts: usize,
    pub(crate) ok: bool,
}

impl WrittenStep {
    /// A step that was not run.
    pub(crate) fn not_run(name: Option<&str>) -> Self {
        Self {
            name: name.map(str::to_owned),
            request: None,
            response: None,
            no_response: None,
            elapsed_ms: None,
            attempts: 0,
            ok: false,
        }
    }

    pub(crate) fn new(
        name: Option<&str>,
        request: &Request,
        outcome: &Outcome,
        attempts: usize,
        ok: bool,
    ) -> Self {
        let (response, no_response, elapsed_ms) = match outcome {
            Outcome::Answered(reply) => (
                Some(WrittenResponse {
                    status: reply.status,
                    content_type: reply.content_type.clone(),
                    content_class: reply.class,
                    body: reply.body.clone(),
                }),
                None,
                reply.elapsed_ms,
            ),
            Outcome::NoAnswer {
                timed_out,
                elapsed_ms,
                ..
            } => (None, Some(*timed_out), *elapsed_ms),
        };
        Self {
            name: name.map(str::to_owned),
            request: Some(WrittenRequest::new(request)),
            response,
            no_response,
            elapsed_ms: Some(whole_ms(elapsed_ms)),
            attempts,
            ok,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct WrittenRequest {
    method: String,
    path: String,
    query: Option<Ordered<Json>>,
    headers: Ordered<String>,
    /// Parsed JSON, else the text; `null` for none.
    body: Json,
}

impl WrittenRequest {
    fn new(request: &Request) -> Self {
        let query = (!request.query.is_empty()).then(|| {
            request
                .query
                .iter()
                .map(|(name, value)| (name.clone(), Json::from(value.as_str())))
                .collect()
        });
        let body = match &request.body {
            None => Json::Null,
            Some(bytes) => Json::parse(bytes)
                .unwrap_or_else(|_| String::from_utf8_lossy(bytes).into_owned().into()),
        };
        Self {
            method: request.method.clone(),
            path: request.path.clone(),
            query,
            headers: request.headers.iter().cloned().collect(),
            body,
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct WrittenResponse {
    status: u16,
    content_type: Option<String>,
    content_class: ContentClass,
    body: Json,
}

/// Whole milliseconds, as the recordings have them.
fn whole_ms(ms: f64) -> u64 {
    std::time::Duration::try_from_secs_f64(ms.max(0.0) / 1000.0).map_or(0, |elapsed| {
        u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
    })
}
