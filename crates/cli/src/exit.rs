//! The exit codes scripts can rely on (documented in `docs/cli.md`; never renumber one).

use std::process::ExitCode;

/// How `pe` ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Done.
    Success,
    /// Failed in a way no other code names (an engine error, an unexpected answer, a worker
    /// that abandoned tasks).
    Failure,
    /// Bad input: a usage error, a missing file, invalid JSON or BPMN, an ambiguous name. The
    /// same code as clap's usage errors.
    BadInput,
    /// What the command names does not exist: a process model, instance, correlation, task.
    NotFound,
    /// The engine refused the call: the identity (401, 403), the request (400), a conflict
    /// (409), a model it cannot take (422).
    Refused,
    /// The wait for an instance ran out; the instance may still be running.
    WaitLimitPassed,
    /// The engine could not be reached or did not answer in time.
    Unreachable,
    /// The instance that was waited for ended in an error.
    InstanceFailed,
    /// Stopped by Ctrl-C or SIGTERM before it was done (128 + SIGINT, as shells count).
    Interrupted,
}

impl Exit {
    /// The process's exit status.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Failure => 1,
            Exit::BadInput => 2,
            Exit::NotFound => 3,
            Exit::Refused => 4,
            Exit::WaitLimitPassed => 5,
            Exit::Unreachable => 6,
            Exit::InstanceFailed => 7,
            Exit::Interrupted => 130,
        }
    }

    /// A short name for the JSON error object (`"not_found"`).
    pub(crate) fn name(self) -> &'static str {
        match self {
            Exit::Success => "success",
            Exit::Failure => "failure",
            Exit::BadInput => "bad_input",
            Exit::NotFound => "not_found",
            Exit::Refused => "refused",
            Exit::WaitLimitPassed => "wait_limit_passed",
            Exit::Unreachable => "unreachable",
            Exit::InstanceFailed => "instance_failed",
            Exit::Interrupted => "interrupted",
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exit_code_is_documented_in_the_manual() {
        let manual = crate::args::tests::manual();
        let all = [
            Exit::Success,
            Exit::Failure,
            Exit::BadInput,
            Exit::NotFound,
            Exit::Refused,
            Exit::WaitLimitPassed,
            Exit::Unreachable,
            Exit::InstanceFailed,
            Exit::Interrupted,
        ];
        for exit in all {
            let row = match exit {
                Exit::Success => "| 0 | |".to_owned(),
                _ => format!("| {} | `{}` |", exit.code(), exit.name()),
            };
            assert!(manual.contains(&row), "docs/cli.md has no row `{row}`");
        }
    }
}
