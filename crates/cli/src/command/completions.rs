//! `pe completions`: the shell completion scripts, generated from the command line's
//! definition.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::args::Cli;
use crate::exit::Exit;
use crate::failure::Failure;

/// Print the completion script of a shell, to source from its startup file.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  pe completions bash > ~/.local/share/bash-completion/completions/pe
  pe completions zsh > ~/.zfunc/_pe
  pe completions fish > ~/.config/fish/completions/pe.fish")]
pub(crate) struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    shell: Shell,
}

pub(crate) fn run(args: &CompletionsArgs) -> Result<Exit, Failure> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "pe", &mut script);
    let mut stdout = std::io::stdout().lock();
    std::io::Write::write_all(&mut stdout, &script)
        .map_err(|error| Failure::other("could not write the completion script", error))?;
    Ok(Exit::Success)
}
