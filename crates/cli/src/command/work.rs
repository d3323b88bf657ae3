//! `pe work`: a topic's external tasks done by any program.

mod shell;

use std::ffi::OsString;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use process_engine::external_task::{ShutdownTimeoutAction, Stats, TaskError};
use process_engine::{Client, ExternalTask, ProcessControlClient, TaskOptions, Worker};
use serde::Serialize;
use serde_json::Value;

use self::shell::Shell;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::{self, Item, Output};
use crate::table::{BAD, Cell, GOOD, PENDING};
use crate::{duration, signal};

/// Work the external tasks of a topic: for each task, run COMMAND with the task's payload (JSON)
/// on stdin and the task in the environment (PE_TASK_ID, PE_TASK_PROCESS_INSTANCE_ID,
/// PE_TASK_CORRELATION_ID, ...). Exit 0 with JSON on stdout finishes the task with it (no output:
/// null); a non-zero exit with {"code": "...", "message": "..."} on stdout reports a BPMN error
/// of that code; anything else reports a service error with the exit status and the end of
/// stdout and stderr. On Ctrl-C or SIGTERM it fetches no more, lets the running commands
/// finish (at most --shutdown-timeout) and delivers their results before it exits.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe work SampleExternalTask -- jq '{greeting: (\"hello \" + .name)}'
  pe work CheckOrder --max-tasks 4 --lock-duration 5m -- ./check-order.sh
  pe work Billing --command-timeout 30s -- python3 bill.py

A script that reports a BPMN error:
  #!/bin/sh
  amount=$(jq .amount)
  if [ \"$amount\" -gt 1000 ]; then
    echo '{\"code\": \"NeedsApproval\", \"message\": \"order too large\"}'; exit 1
  fi
  echo '{\"approved\": true}'")]
pub(crate) struct WorkArgs {
    /// The topic whose tasks to work.
    topic: String,

    /// The command to run for each task, with its arguments (after `--`; no shell: use
    /// `sh -c '...'` for one).
    #[arg(required = true, last = true, value_name = "COMMAND")]
    command: Vec<OsString>,

    /// The most tasks worked at once.
    #[arg(long, default_value_t = 10, value_name = "N")]
    max_tasks: usize,

    /// How long a fetched task stays locked for this worker (default 100s).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    lock_duration: Option<Duration>,

    /// How long each extension of a lock lasts, from when it is made (default 100s).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    additional_lock_duration: Option<Duration>,

    /// How often the lock of a running command is extended (default 30s).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    extend_lock_every: Option<Duration>,

    /// How long one fetch waits for a task when none is there (default 10s).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    long_polling_timeout: Option<Duration>,

    /// The worker id tasks are locked for (default: a random UUID).
    #[arg(long, value_name = "ID")]
    worker_id: Option<String>,

    /// How long a command may run; then it is killed and a service error reported (default:
    /// as long as it takes, with its lock extended).
    #[arg(long, value_name = "DURATION", value_parser = duration::parse)]
    command_timeout: Option<Duration>,

    /// How long a shutdown waits for running commands and their deliveries.
    #[arg(long, value_name = "DURATION", value_parser = duration::parse, default_value = "30s")]
    shutdown_timeout: Duration,

    /// What happens to commands still running when the shutdown timeout passes: `abandon`
    /// (killed; the engine hands the task out again when its lock runs out) or `report` (killed,
    /// and a service error reported so that the process goes on at once).
    #[arg(long, value_enum, default_value_t = OnTimeout::Abandon)]
    on_shutdown_timeout: OnTimeout,
}

/// What a shutdown does with commands that outlive it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OnTimeout {
    /// Kill them and report nothing.
    Abandon,
    /// Kill them and report a service error.
    Report,
}

/// A task the command did, as printed when the command ended (its delivery follows).
#[derive(Debug, Serialize)]
struct Worked {
    task_id: String,
    topic: String,
    process_instance_id: String,
    correlation_id: String,
    /// `result`, `bpmn_error` or `service_error`.
    outcome: &'static str,
    /// The result, for `result`.
    #[serde(skip_serializing_if = "Option::is_none")]
    result: Option<Value>,
    /// The BPMN error's code, for `bpmn_error`.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    /// What went wrong, for the errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<String>,
    /// A service error's details (the command, its exit code, the end of its stdout and
    /// stderr), as the engine gets them.
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<Value>,
}

impl Worked {
    fn new(task: &ExternalTask, outcome: &Result<Value, TaskError>) -> Self {
        let mut worked = Worked {
            task_id: task.id().to_owned(),
            topic: task.topic().to_owned(),
            process_instance_id: task.process_instance_id().to_owned(),
            correlation_id: task.correlation_id().to_owned(),
            outcome: "result",
            result: None,
            code: None,
            message: None,
            details: None,
        };
        match outcome {
            Ok(result) => worked.result = Some(result.clone()),
            Err(TaskError::Bpmn(error)) => {
                worked.outcome = "bpmn_error";
                worked.code = Some(error.code.clone());
                worked.message = Some(error.message.clone());
            }
            Err(TaskError::Service(error)) => {
                worked.outcome = "service_error";
                worked.message = Some(error.message.clone());
                worked.details = Some(error.details.clone());
            }
            Err(error) => {
                worked.outcome = "service_error";
                worked.message = Some(error.to_string());
            }
        }
        worked
    }
}

impl Item for Worked {
    fn human(&self) -> Vec<Cell> {
        let (label, style) = match self.outcome {
            "result" => ("done", GOOD),
            "bpmn_error" => ("bpmn error", PENDING),
            _ => ("failed", BAD),
        };
        let mut line = vec![
            Cell::styled(label, style),
            Cell::plain(self.task_id.as_str()),
            Cell::plain(format!("instance {}", self.process_instance_id)),
        ];
        if let Some(result) = &self.result {
            line.push(Cell::plain(output::compact(result, 60)));
        }
        if let Some(code) = &self.code {
            line.push(Cell::plain(code.as_str()));
        }
        if let Some(message) = &self.message {
            line.push(Cell::plain(message.as_str()));
        }
        line
    }
}

/// The worker's counters when it stopped.
#[derive(Debug, Serialize)]
struct Stopped {
    stopped: bool,
    fetched: u64,
    completed: u64,
    bpmn_errors: u64,
    service_errors: u64,
    /// Given up at the shutdown deadline, or refused by the engine for good.
    abandoned: u64,
    deliveries_refused: u64,
    locks_lost: u64,
}

impl From<Stats> for Stopped {
    fn from(stats: Stats) -> Self {
        Stopped {
            stopped: true,
            fetched: stats.fetched,
            completed: stats.completed,
            bpmn_errors: stats.bpmn_errors,
            service_errors: stats.service_errors,
            abandoned: stats.abandoned,
            deliveries_refused: stats.deliveries_refused,
            locks_lost: stats.locks_lost,
        }
    }
}

impl Item for Stopped {
    fn human(&self) -> Vec<Cell> {
        vec![Cell::plain(format!(
            "stopped: {} tasks fetched, {} completed, {} BPMN errors, {} service errors \
             delivered; {} abandoned, {} refused, {} locks lost",
            self.fetched,
            self.completed,
            self.bpmn_errors,
            self.service_errors,
            self.abandoned,
            self.deliveries_refused,
            self.locks_lost
        ))]
    }
}

pub(crate) async fn run(args: WorkArgs, client: Client, output: &Output) -> Result<Exit, Failure> {
    let mut parts = args.command.into_iter();
    let program = parts
        .next()
        .ok_or_else(|| Failure::bad_input("name the command to run after `--`"))?;
    let shell = Arc::new(Shell {
        program,
        args: parts.collect(),
        timeout: args.command_timeout,
    });
    let mut options = TaskOptions::default().max_tasks(args.max_tasks);
    if let Some(duration) = args.lock_duration {
        options = options.lock_duration(duration);
    }
    if let Some(duration) = args.additional_lock_duration {
        options = options.additional_lock_duration(duration);
    }
    if let Some(every) = args.extend_lock_every {
        options = options.extend_lock_timeout(every);
    }
    if let Some(timeout) = args.long_polling_timeout {
        options = options.long_polling_timeout(timeout);
    }
    let handler = {
        let shell = Arc::clone(&shell);
        let output = *output;
        move |payload: Value, task: ExternalTask| {
            let shell = Arc::clone(&shell);
            async move {
                let run = shell.run(&payload, &task).await;
                relay(&output, &task, &run.stderr);
                // The line says what the command came to; a closed stdout must not lose the
                // result, which the worker delivers all the same.
                let _ = output.item(&Worked::new(&task, &run.outcome));
                run.outcome
            }
        }
    };
    let mut builder = Worker::builder(client.clone())
        .subscribe(&args.topic, handler, options)
        .shutdown_timeout(args.shutdown_timeout)
        .on_shutdown_timeout(match args.on_shutdown_timeout {
            OnTimeout::Abandon => ShutdownTimeoutAction::Abandon,
            OnTimeout::Report => ShutdownTimeoutAction::ReportServiceError,
        });
    if let Some(id) = args.worker_id {
        builder = builder.worker_id(id);
    }
    let worker = builder
        .build()
        .map_err(|error| Failure::from(process_engine::Error::from(error)))?;
    probe(&client).await?;
    let stop = signal::installed().await;
    output.note(&format!(
        "working topic {} with `{}` as worker {}; Ctrl-C stops after the running tasks",
        args.topic,
        shell.describe(),
        worker.worker_id()
    ));
    // A run the engine ended (a wrong base URL, a refused identity) drained its running
    // commands as a shutdown does: its counters are printed all the same.
    let (stats, ended) = match worker.run_until(stop).await {
        Ok(stats) => (stats, None),
        Err(error) => (error.stats(), Some(error)),
    };
    let stopped = Stopped::from(stats);
    let exit = if stopped.abandoned > 0 || stopped.deliveries_refused > 0 {
        Exit::Failure
    } else {
        Exit::Success
    };
    output.item(&stopped)?;
    match ended {
        Some(error) => Err(Failure::from(process_engine::Error::from(error))),
        None => Ok(exit),
    }
}

/// Checks that the engine answers before any task is fetched; the call carries the identity,
/// so client credentials are tried too. The worker retries an engine it cannot reach for as
/// long as it runs (it must outlive an engine restart), so without this a wrong host or port
/// would be an endless stream of warnings instead of one error and exit code 6.
///
/// The engine's info needs no identity, so a second call shows a token the engine refuses or
/// cannot read (8.0.0 answers such a token's fetches with a 500, which the worker would retry).
/// A 403 there only says that the identity may not read process models, which a worker need
/// not: it is let through.
async fn probe(client: &Client) -> Result<(), Failure> {
    let control = ProcessControlClient::new(client.clone());
    control.server_info().send().await?;
    if let Err(error) = control.process_models().send().await {
        let failure = Failure::from(error);
        let refused_identity = failure.exit() == Exit::Refused && failure.status() != Some(403);
        if refused_identity || failure.exit() == Exit::Unreachable {
            return Err(failure);
        }
    }
    Ok(())
}

/// Passes what the command wrote on stderr on to people, each line marked with its task.
fn relay(output: &Output, task: &ExternalTask, stderr: &str) {
    if output.is_json() {
        return;
    }
    for line in stderr.lines() {
        output.note(&format!("[{}] {line}", task.id()));
    }
}
