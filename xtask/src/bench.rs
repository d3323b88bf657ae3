//! `cargo xtask bench [engine|handout|soak [CYCLES]]`: the stand-in engine's benchmarks, built
//! with optimisations, each printing its own figures.
//!
//! - `engine` (the default): start + fetch_and_lock + finish cycles per second.
//! - `handout`: how long a new task takes to reach one of 500 waiting polls while 10,000 tasks
//!   of its topic are locked.
//! - `soak`: a million cycles (or CYCLES), printing the process's RSS as it goes: flat once the
//!   engine's retention bound is reached.

use crate::workspace;

/// Which benchmark to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bench {
    Engine,
    Handout,
    Soak { cycles: Option<u64> },
}

impl Bench {
    /// The benchmark the arguments after `bench` name; `None` for anything else.
    pub(crate) fn parse(args: &[&str]) -> Option<Bench> {
        match args {
            [] | ["engine"] => Some(Bench::Engine),
            ["handout"] => Some(Bench::Handout),
            ["soak"] => Some(Bench::Soak { cycles: None }),
            ["soak", cycles] => cycles.parse().ok().map(|c| Bench::Soak { cycles: Some(c) }),
            _ => None,
        }
    }

    /// The bench target of the testkit crate that runs it.
    fn target(&self) -> &'static str {
        match self {
            Bench::Engine => "cycles",
            Bench::Handout => "handout",
            Bench::Soak { .. } => "soak",
        }
    }
}

/// Builds and runs `bench`.
pub(crate) fn run(bench: &Bench) -> anyhow::Result<()> {
    let mut args = vec![
        "bench",
        "--package",
        "process-engine-testkit",
        "--bench",
        bench.target(),
    ];
    let cycles = match bench {
        Bench::Soak {
            cycles: Some(cycles),
        } => Some(cycles.to_string()),
        _ => None,
    };
    if let Some(cycles) = &cycles {
        args.extend(["--", cycles.as_str()]);
    }
    workspace::run(&workspace::cargo(), &args, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arguments_name_a_benchmark_or_nothing() {
        assert_eq!(Bench::parse(&[]), Some(Bench::Engine));
        assert_eq!(Bench::parse(&["engine"]), Some(Bench::Engine));
        assert_eq!(Bench::parse(&["handout"]), Some(Bench::Handout));
        assert_eq!(Bench::parse(&["soak"]), Some(Bench::Soak { cycles: None }));
        assert_eq!(
            Bench::parse(&["soak", "2000"]),
            Some(Bench::Soak { cycles: Some(2000) })
        );
        assert_eq!(Bench::parse(&["soak", "many"]), None);
        assert_eq!(Bench::parse(&["client"]), None);
    }
}
