//! `pe deploy`: BPMN files and folders, one result line per file.

use std::path::{Path, PathBuf};

use clap::Args;
use process_engine::ProcessControlClient;
use serde::Serialize;
use serde_json::{Value, json};

use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{Item, Output};
use crate::table::{BAD, Cell, GOOD};

/// Deploy BPMN files, or every .bpmn file of a folder (in name order, not recursing). Each
/// model is deployed under the id of its process, read from the XML. Each file gets a line,
/// also when it fails; the exit code is that of the first failure.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe deploy samples/bpmn_models/hello_world.bpmn
  pe deploy samples/bpmn_models
  pe deploy --no-overwrite order.bpmn
  pe deploy models/ -o json | jq -r 'select(.error) | .file'")]
pub(crate) struct DeployArgs {
    /// BPMN files, or folders whose .bpmn files are all deployed.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Refuse to replace a model that is already deployed (the engine answers 409).
    #[arg(long)]
    no_overwrite: bool,
}

/// One file's outcome.
#[derive(Debug, Serialize)]
struct Deployed {
    file: String,
    /// The process model id it was deployed as.
    process_model_id: Option<String>,
    /// Why it was not, with the exit code that failure has.
    error: Option<Value>,
    #[serde(skip)]
    failure: Option<String>,
}

impl Item for Deployed {
    fn human(&self) -> Vec<Cell> {
        match (&self.process_model_id, &self.failure) {
            (Some(id), _) => vec![
                Cell::styled("deployed", GOOD),
                Cell::plain(id.as_str()),
                Cell::plain(format!("({})", self.file)),
            ],
            (None, failure) => vec![
                Cell::styled("failed", BAD),
                Cell::plain(format!(
                    "{}: {}",
                    self.file,
                    failure.as_deref().unwrap_or_default()
                )),
            ],
        }
    }

    fn is_failure(&self) -> bool {
        self.error.is_some()
    }
}

pub(crate) async fn run(
    args: DeployArgs,
    control: &ProcessControlClient,
    output: &Output,
) -> Result<Exit, Failure> {
    let mut first_failure = None;
    for file in files(&args.paths) {
        let outcome = match file {
            Ok(file) => {
                let name = file.display().to_string();
                match control
                    .deploy_file(&file)
                    .overwrite(!args.no_overwrite)
                    .send()
                    .await
                {
                    Ok(id) => Ok((name, id)),
                    Err(error) => Err((name, Failure::from(error))),
                }
            }
            Err(unreadable) => Err(unreadable),
        };
        let item = match outcome {
            Ok((file, id)) => Deployed {
                file,
                process_model_id: Some(id),
                error: None,
                failure: None,
            },
            Err((file, failure)) => {
                let item = Deployed {
                    file,
                    process_model_id: None,
                    error: Some(json!({
                        "message": failure.line(),
                        "kind": failure.exit().name(),
                        "exit_code": failure.exit().code(),
                    })),
                    failure: Some(failure.line()),
                };
                first_failure.get_or_insert(failure.exit());
                item
            }
        };
        output.item(&item)?;
    }
    Ok(first_failure.unwrap_or(Exit::Success))
}

/// The files to deploy, in order: each file named, then each folder's `.bpmn` files by name. A
/// folder that cannot be read or holds none is a failure of its own.
fn files(paths: &[PathBuf]) -> Vec<Result<PathBuf, (String, Failure)>> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(Ok(path.clone()));
            continue;
        }
        let name = path.display().to_string();
        match bpmn_files(path) {
            Ok(found) if found.is_empty() => files.push(Err((
                name.clone(),
                Failure::bad_input(format!("the folder {name} holds no .bpmn file")),
            ))),
            Ok(found) => files.extend(found.into_iter().map(Ok)),
            Err(error) => files.push(Err((
                name.clone(),
                Failure::bad_input_because(format!("could not read the folder {name}"), error),
            ))),
        }
    }
    files
}

fn bpmn_files(folder: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_file()
            && path
                .extension()
                .is_some_and(|extension| extension == "bpmn")
        {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}
