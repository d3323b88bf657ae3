//! `cargo xtask bench start`: the latency of a start through the process-control client against
//! a raw hyper loop sending the same requests, and the client's CPU per start.

use crate::workspace;

/// Runs the benchmark; it ends with `start/raw ratio: R (client P ms, raw Q ms)`.
pub(crate) fn run() -> anyhow::Result<()> {
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
