//! The scenario corpus on disk: `scenarios/*.json` in name order and the BPMN files of
//! `scenarios/bpmn/`, under `api/recordings/` of the repository.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::error::ScenarioError;
use crate::scenario::Scenario;

/// `api/recordings/` of the repository this crate was built in: the recorded scenarios
/// (`scenarios/`, with their models in `scenarios/bpmn/`) and what the real engine answered
/// (`transcripts/`).
pub fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../api/recordings")
}

/// Scenarios and the BPMN models they deploy.
pub struct Corpus {
    pub(crate) scenarios: Vec<ScenarioFile>,
    /// File name → content, as on disk (before renaming).
    pub(crate) bpmn: BTreeMap<String, String>,
}

/// One scenario file; a file that does not parse is a failed scenario, not a failed load.
pub(crate) struct ScenarioFile {
    pub(crate) file_name: String,
    pub(crate) scenario: Result<Scenario, ScenarioError>,
}

impl Corpus {
    /// Every scenario of `dir` (`*.json`, in name order), with the models of `dir/bpmn`. A
    /// scenario file that does not parse is loaded as a scenario that fails when run.
    pub fn load(dir: &Path) -> io::Result<Self> {
        let scenarios = files_ending_in(dir, ".json")?
            .into_iter()
            .map(|(file_name, path)| {
                let scenario = fs::read(&path)
                    .map_err(|e| e.to_string())
                    .and_then(|text| serde_json::from_slice(&text).map_err(|e| e.to_string()))
                    .map_err(|e| ScenarioError::invalid(format!("{}: {e}", path.display())));
                ScenarioFile {
                    file_name,
                    scenario,
                }
            })
            .collect();
        let mut bpmn = BTreeMap::new();
        for (file_name, path) in files_ending_in(&dir.join("bpmn"), ".bpmn")? {
            bpmn.insert(file_name, fs::read_to_string(path)?);
        }
        Ok(Self { scenarios, bpmn })
    }

    /// The corpus's scenario files by name (`a01_global_routes.json`, ...), in run order.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.scenarios.iter().map(|file| file.file_name.as_str())
    }

    /// Keeps only the scenarios whose file name, or name without `.json`, is in `names`;
    /// returns the names that matched none.
    pub fn retain(&mut self, names: &[String]) -> Vec<String> {
        let named = |file: &ScenarioFile, name: &str| {
            file.file_name == name || file.file_name.strip_suffix(".json") == Some(name)
        };
        let unknown = names
            .iter()
            .filter(|name| !self.scenarios.iter().any(|file| named(file, name)))
            .cloned()
            .collect();
        self.scenarios
            .retain(|file| names.iter().any(|name| named(file, name)));
        unknown
    }
}

/// The files in `dir` whose names end in `suffix`, in name order.
fn files_ending_in(dir: &Path, suffix: &str) -> io::Result<Vec<(String, PathBuf)>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(suffix) && entry.file_type()?.is_file() {
            files.push((name, entry.path()));
        }
    }
    files.sort();
    Ok(files)
}
