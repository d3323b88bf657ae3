//! The command line: the options every command takes, and the commands.

use clap::{Parser, ValueEnum};

use crate::command::Command;
use crate::engine::EngineArgs;
use crate::output::Format;

/// The 5Minds ProcessEngine from a shell: deploy, start, inspect, answer, work and watch.
#[derive(Debug, Parser)]
#[command(
    name = "pe",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_help = "Examples:
  export PROCESS_ENGINE_URL=http://localhost:56000
  pe deploy samples/bpmn_models
  pe start hello_world --input '{\"name\": \"world\"}' --wait
  pe task list
  pe work SampleExternalTask -- jq '{greeting: (\"hello \" + .name)}'

Exit codes: 0 done, 1 failed, 2 bad input, 3 not found, 4 refused by the engine, 5 wait limit
passed, 6 engine unreachable, 7 the instance failed, 130 interrupted. See docs/cli.md."
)]
pub(crate) struct Cli {
    /// Where the engine is and who calls it.
    #[command(flatten)]
    pub(crate) engine: EngineArgs,

    /// How results are printed: `human` (tables, colour on a terminal) or `json` (one JSON
    /// value per result, one per line, for scripts).
    #[arg(
        long,
        short = 'o',
        global = true,
        value_enum,
        default_value_t = Format::Human,
        env = "PE_OUTPUT"
    )]
    pub(crate) output: Format,

    /// When to colour the output: on a terminal only (`auto`; `NO_COLOR` turns it off),
    /// `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub(crate) color: ColorWhen,

    /// More of the library's log on stderr (`-v` info, `-vv` debug); `RUST_LOG` overrides it.
    #[arg(long, short = 'v', global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    #[command(subcommand)]
    pub(crate) command: Command,
}

/// When to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always, also into a pipe.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// Makes it the choice of every stream the tool writes through.
    pub(crate) fn apply(self) {
        let choice = match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_command_has_an_example_in_its_help() {
        fn check(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
            let path = format!("{path} {}", command.get_name());
            let subcommands: Vec<_> = command
                .get_subcommands()
                .filter(|sub| sub.get_name() != "help")
                .collect();
            if subcommands.is_empty() {
                let help = command
                    .get_after_help()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                if !help.contains("Examples:") || !help.contains("  pe ") {
                    missing.push(path.clone());
                }
            }
            for sub in subcommands {
                check(sub, &path, missing);
            }
        }
        let mut missing = Vec::new();
        check(&Cli::command(), "", &mut missing);
        assert!(
            missing.is_empty(),
            "commands without an example: {missing:?}"
        );
    }

    /// The manual, read where the workspace keeps it (the crate alone has no `docs/`).
    pub(crate) fn manual() -> String {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md");
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"))
    }

    #[test]
    fn every_command_has_a_section_in_the_manual() {
        let manual = manual();
        let missing: Vec<String> = Cli::command()
            .get_subcommands()
            .map(|command| command.get_name().to_owned())
            .filter(|name| name != "help" && !manual.contains(&format!("`pe {name}")))
            .collect();
        assert!(
            missing.is_empty(),
            "docs/cli.md says nothing of {missing:?}"
        );
    }
}
