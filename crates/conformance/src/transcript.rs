//! Transcripts (recordings README §2.5): what the real engine answered in a passing run of a scenario.
//! Only the parts the offline check reads are modelled.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use crate::json::Json;
use crate::ordered::Ordered;
use crate::response::Reply;
use crate::scenario::ContentClass;

#[derive(Debug, Deserialize)]
pub(crate) struct Transcript {
    /// The run id of the recorded run.
    pub(crate) run: String,
    #[serde(default)]
    pub(crate) setup: Vec<Deployment>,
    /// One record per step except joins, in step order.
    pub(crate) steps: Vec<Record>,
}

impl Transcript {
    pub(crate) fn load(path: &Path) -> Result<Self, String> {
        let text = fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Deployment {
    /// The BPMN file.
    pub(crate) deploy: String,
    pub(crate) name: Json,
    pub(crate) status: Option<u16>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Record {
    pub(crate) name: Option<String>,
    /// Absent for a step that was not run.
    pub(crate) request: Option<RecordedRequest>,
    /// Absent when no answer came.
    pub(crate) response: Option<RecordedResponse>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordedRequest {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) query: Option<Ordered<Json>>,
    pub(crate) headers: Ordered<String>,
    /// Parsed JSON, else the text; `null` for none.
    pub(crate) body: Json,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RecordedResponse {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) content_class: ContentClass,
    pub(crate) body: Json,
}

impl RecordedResponse {
    /// The recorded answer as if it had just come in.
    pub(crate) fn to_reply(&self) -> Reply {
        let text = match &self.body {
            Json::String(text) => text.clone(),
            other => crate::pytext::spaced(other),
        };
        Reply {
            status: self.status,
            content_type: self.content_type.clone(),
            class: self.content_class,
            body: self.body.clone(),
            text,
            elapsed_ms: 0.0,
        }
    }
}
