//! `cargo xtask bench worker`: the external-task worker against a raw hyper loop, the example
//! worker's peak RSS, and the worker's pacing on the stand-in engine's model of 8.0.0's
//! contention at 25 and 45 ms per instance.
//!
//! With `--engine URL` (a real ProcessEngine 8.0.0, by hand only) only the pacing runs, there;
//! `--only raw,worker1,...` picks pacing runs (`raw`, `worker1`, `worker10`, `worker50`,
//! `starts`, `burst`).

use anyhow::bail;

use crate::workspace;

/// Builds the `external_task` example of `process-engine-examples` (the overhead benchmark runs
/// it to measure its memory), then runs the worker benchmarks of `process-engine-external-task`,
/// in release mode in the same target directory. `args` are the pacing benchmark's.
pub(crate) fn run(args: &[&str]) -> anyhow::Result<()> {
    let real_engine = match args {
        [] => false,
        [flag, _, rest @ ..] if ["--engine", "--only"].contains(flag) => {
            run_flags_ok(rest)?;
            args.contains(&"--engine")
        }
        _ => bail!("bench worker takes [--engine URL] [--only RUN,...]"),
    };
    let cargo = workspace::cargo();
    let package = ["--package", "process-engine-external-task"];
    if !real_engine {
        let build = [
            "build",
            "--release",
            "--package",
            "process-engine-examples",
            "--example",
            "external_task",
        ];
        workspace::run(&cargo, &build, &[])?;
        let mut bench = vec!["bench"];
        bench.extend(package);
        bench.extend(["--bench", "worker"]);
        workspace::run(&cargo, &bench, &[])?;
    }
    let mut bench = vec!["bench"];
    bench.extend(package);
    bench.extend(["--bench", "pacing", "--"]);
    bench.extend(args);
    workspace::run(&cargo, &bench, &[])
}

fn run_flags_ok(rest: &[&str]) -> anyhow::Result<()> {
    match rest {
        [] => Ok(()),
        [flag, _] if ["--engine", "--only"].contains(flag) => Ok(()),
        _ => bail!("bench worker takes [--engine URL] [--only RUN,...]"),
    }
}
