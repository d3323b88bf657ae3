//! `cargo xtask bench start`: the latency of a start through the process-control client against
//! a raw hyper loop sending the same requests, and the client's CPU per start.

use crate::workspace;

/// Runs the benchmark; its last lines are `start/raw ratio (engine): ...` and
/// `start/raw ratio (canned): ...` (against a server that answers at once: the client's own
/// cost).
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    if !args.is_empty() {
        anyhow::bail!("bench start takes no arguments");
    }
    workspace::run(
        &workspace::cargo(),
        &[
            "bench",
            "--package",
            "process-engine-process-control",
            "--bench",
            "start",
        ],
        &[],
    )
}
