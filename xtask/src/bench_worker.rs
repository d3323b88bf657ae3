//! `cargo xtask bench worker`: the external-task worker against a raw hyper loop, and the
//! example worker's peak RSS.

use crate::workspace;

/// Builds the `external_task` example (the benchmark runs it to measure its memory), then runs
/// the worker benchmark of `process-engine-external-task`, both in release mode in the same
/// target directory.
pub(crate) fn run() -> anyhow::Result<()> {
    let cargo = workspace::cargo();
    let package = ["--package", "process-engine-external-task"];
    let mut build = vec!["build", "--release"];
    build.extend(package);
    build.extend(["--example", "external_task"]);
    workspace::run(&cargo, &build, &[])?;
    let mut bench = vec!["bench"];
    bench.extend(package);
    bench.extend(["--bench", "worker"]);
    workspace::run(&cargo, &bench, &[])
}
