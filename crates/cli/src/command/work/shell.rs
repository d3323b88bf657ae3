//! One task done by a command: the payload on its stdin, the task in its environment, and
//! what it answers read from its exit status and stdout.

use std::ffi::OsString;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use process_engine::external_task::TaskError;
use process_engine::{BpmnError, ExternalTask, ServiceError};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

/// The most of a command's stdout that is read: a result larger than this is no result the
/// engine would take either.
const MAX_STDOUT: u64 = 16 * 1024 * 1024;
/// The most of a command's stderr that is kept (and relayed).
const MAX_STDERR: u64 = 64 * 1024;
/// How much of stderr and stdout a service error's details carry.
const DETAILS_TAIL: usize = 2000;

/// The command run for each task.
#[derive(Debug, Clone)]
pub(crate) struct Shell {
    pub(crate) program: OsString,
    pub(crate) args: Vec<OsString>,
    /// How long the command may run; none: as long as the lock can be extended.
    pub(crate) timeout: Option<Duration>,
}

/// What the command's run came to.
#[derive(Debug)]
pub(crate) struct Run {
    /// The result, or the error to report.
    pub(crate) outcome: Result<Value, TaskError>,
    /// What the command wrote on stderr (at most 64 KiB).
    pub(crate) stderr: String,
}

impl Shell {
    /// The command as people read it: `program arg ...`.
    pub(crate) fn describe(&self) -> String {
        std::iter::once(&self.program)
            .chain(&self.args)
            .map(|part| part.to_string_lossy())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Runs the command for `task`. Dropping the future kills the command (the worker drops
    /// it when the task's lock is lost).
    pub(crate) async fn run(&self, payload: &Value, task: &ExternalTask) -> Run {
        let run = self.spawn_and_wait(payload, task);
        let finished = match self.timeout {
            Some(limit) => match tokio::time::timeout(limit, run).await {
                Ok(finished) => finished,
                Err(_elapsed) => {
                    return Run {
                        outcome: Err(service(
                            format!("`{}` did not finish within {limit:?}", self.describe()),
                            json!({"timeout_ms": limit.as_millis()}),
                        )),
                        stderr: String::new(),
                    };
                }
            },
            None => run.await,
        };
        match finished {
            Ok((status, stdout, stderr)) => Run {
                outcome: self.outcome(status, &stdout, &stderr),
                stderr,
            },
            Err(error) => Run {
                outcome: Err(service(
                    format!("could not run `{}`: {error}", self.describe()),
                    json!({"error": error.to_string()}),
                )),
                stderr: String::new(),
            },
        }
    }

    async fn spawn_and_wait(
        &self,
        payload: &Value,
        task: &ExternalTask,
    ) -> std::io::Result<(ExitStatus, Captured, String)> {
        let mut command = tokio::process::Command::new(&self.program);
        command
            .args(&self.args)
            .envs(environment(task))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        // A group of its own: Ctrl-C in the terminal reaches the worker alone, which then lets
        // the running commands finish and delivers their results.
        #[cfg(unix)]
        command.process_group(0);
        let mut child = command.spawn()?;
        let input = payload.to_string();
        let stdin = child.stdin.take();
        let write = async move {
            if let Some(mut stdin) = stdin {
                // A command that does not read its input closes the pipe early: not an error.
                let _ = stdin.write_all(input.as_bytes()).await;
            }
        };
        let (((), stdout), stderr) = tokio::join!(
            async { tokio::join!(write, read_at_most(child.stdout.take(), MAX_STDOUT)) },
            read_at_most(child.stderr.take(), MAX_STDERR),
        );
        let status = child.wait().await?;
        let stderr = String::from_utf8_lossy(&stderr?.bytes).into_owned();
        Ok((status, stdout?, stderr))
    }

    /// The task's outcome from the command's exit `status` and output.
    fn outcome(
        &self,
        status: ExitStatus,
        stdout: &Captured,
        stderr: &str,
    ) -> Result<Value, TaskError> {
        let text = String::from_utf8_lossy(&stdout.bytes);
        let details = |extra: Value| {
            let mut details = json!({
                "command": self.describe(),
                "exit_code": status.code(),
                "stdout": tail(&text),
                "stderr": tail(stderr),
            });
            if let (Some(details), Value::Object(extra)) = (details.as_object_mut(), extra) {
                details.extend(extra);
            }
            details
        };
        if stdout.truncated {
            return Err(service(
                format!(
                    "`{}` wrote more than {MAX_STDOUT} bytes on stdout",
                    self.describe()
                ),
                details(Value::Null),
            ));
        }
        if status.success() {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            return serde_json::from_str(&text).map_err(|error| {
                service(
                    format!("the output of `{}` is not JSON: {error}", self.describe()),
                    details(Value::Null),
                )
            });
        }
        if let Some(code) = status.code() {
            if let Some(bpmn) = bpmn_error(&text) {
                return Err(TaskError::Bpmn(bpmn));
            }
            return Err(service(
                format!("`{}` exited with status {code}", self.describe()),
                details(Value::Null),
            ));
        }
        Err(service(
            format!("`{}` was killed by a signal", self.describe()),
            details(json!({ "signal": signal(status) })),
        ))
    }
}

/// What a command wrote, read up to a limit.
#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    /// It wrote more than the limit.
    truncated: bool,
}

async fn read_at_most(
    reader: Option<impl AsyncRead + Unpin>,
    limit: u64,
) -> std::io::Result<Captured> {
    let Some(reader) = reader else {
        return Ok(Captured::default());
    };
    let mut bytes = Vec::new();
    let mut limited = reader.take(limit + 1);
    limited.read_to_end(&mut bytes).await?;
    let truncated = bytes.len() as u64 > limit;
    if truncated {
        bytes.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        // Reading on until the command ends keeps it from blocking on a full pipe.
        tokio::io::copy(&mut limited.into_inner(), &mut tokio::io::sink()).await?;
    }
    Ok(Captured { bytes, truncated })
}

/// A BPMN error a failing command stated on stdout: `{"code": "...", "message": "..."}`.
fn bpmn_error(stdout: &str) -> Option<BpmnError> {
    let value: Value = serde_json::from_str(stdout).ok()?;
    let code = value.get("code")?.as_str()?;
    if code.is_empty() {
        return None;
    }
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or_default();
    Some(BpmnError::new(code, message))
}

/// The environment that tells the command which task it does.
fn environment(task: &ExternalTask) -> [(&'static str, String); 9] {
    [
        ("PE_TASK_ID", task.id().to_owned()),
        ("PE_TASK_TOPIC", task.topic().to_owned()),
        ("PE_TASK_WORKER_ID", task.worker_id().to_owned()),
        (
            "PE_TASK_PROCESS_INSTANCE_ID",
            task.process_instance_id().to_owned(),
        ),
        (
            "PE_TASK_PROCESS_MODEL_ID",
            task.process_model_id().to_owned(),
        ),
        ("PE_TASK_CORRELATION_ID", task.correlation_id().to_owned()),
        (
            "PE_TASK_FLOW_NODE_INSTANCE_ID",
            task.flow_node_instance_id().to_owned(),
        ),
        (
            "PE_TASK_LOCK_EXPIRATION_TIME",
            task.lock_expiration_time().to_owned(),
        ),
        // The user id only: the identity's token is a secret the command has no need of.
        ("PE_TASK_OWNER_ID", task.identity().user_id.clone()),
    ]
}

fn service(message: String, details: Value) -> TaskError {
    TaskError::Service(ServiceError::new(message, details))
}

/// The end of `text`, at most [`DETAILS_TAIL`] characters.
fn tail(text: &str) -> String {
    let count = text.chars().count();
    text.chars()
        .skip(count.saturating_sub(DETAILS_TAIL))
        .collect()
}

#[cfg(unix)]
fn signal(status: ExitStatus) -> Option<i32> {
    std::os::unix::process::ExitStatusExt::signal(&status)
}

#[cfg(not(unix))]
fn signal(_status: ExitStatus) -> Option<i32> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bpmn_error_is_an_object_with_a_code() {
        assert_eq!(
            bpmn_error(r#"{"code": "NeedsApproval", "message": "too big"}"#),
            Some(BpmnError::new("NeedsApproval", "too big"))
        );
        assert_eq!(
            bpmn_error(r#"{"code": "E1"}"#),
            Some(BpmnError::new("E1", ""))
        );
        assert_eq!(bpmn_error(r#"{"code": ""}"#), None);
        assert_eq!(bpmn_error(r#"{"code": 7}"#), None);
        assert_eq!(bpmn_error("failed"), None);
    }

    #[test]
    fn details_keep_the_end_of_long_output() {
        let long = "x".repeat(DETAILS_TAIL + 10) + "end";
        let kept = tail(&long);
        assert_eq!(kept.chars().count(), DETAILS_TAIL);
        assert!(kept.ends_with("end"));
    }
}
