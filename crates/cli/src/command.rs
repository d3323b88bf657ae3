//! The commands, one module each, and the dispatch to them.

mod completions;
mod correlation;
mod deploy;
mod event;
mod info;
mod instance;
mod model;
mod results;
mod serve;
mod start;
mod task;
mod watch;
mod work;

use clap::Subcommand;
use process_engine::ProcessControlClient;

use crate::engine::EngineArgs;
use crate::exit::Exit;
use crate::failure::Failure;
use crate::output::Output;

/// What `pe` does.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Deploy BPMN files, or every .bpmn file of a folder: one line per file.
    Deploy(deploy::DeployArgs),
    /// List, show and remove deployed process models.
    #[command(subcommand, visible_alias = "models")]
    Model(model::ModelCommand),
    /// Start a process instance, and wait for its end if asked.
    Start(start::StartArgs),
    /// The correlations and the state of their instances.
    #[command(subcommand, visible_alias = "correlations")]
    Correlation(correlation::CorrelationCommand),
    /// Process instances: list, state, token history, terminate.
    #[command(subcommand, visible_alias = "instances")]
    Instance(instance::InstanceCommand),
    /// The results of a correlation's finished instance of a model.
    Results(results::ResultsArgs),
    /// User tasks, manual tasks and empty activities: list, show, finish.
    #[command(subcommand, visible_alias = "tasks")]
    Task(task::TaskCommand),
    /// Message and signal events: what waits for one, and triggering them.
    #[command(subcommand, visible_alias = "events")]
    Event(event::EventCommand),
    /// Work the external tasks of a topic with a command: payload on stdin, result on stdout.
    Work(work::WorkArgs),
    /// Print the engine's events as they come.
    Watch(watch::WatchArgs),
    /// Serve the stand-in engine (for trying things without a real engine).
    Serve(serve::ServeArgs),
    /// The engine's name and version: checks the URL and identity.
    Info(info::InfoArgs),
    /// Print a shell's completion script.
    Completions(completions::CompletionsArgs),
}

/// Runs `command`; answers how the tool ends when it did not fail.
pub(crate) async fn run(
    command: Command,
    engine: &EngineArgs,
    output: &Output,
) -> Result<Exit, Failure> {
    match command {
        Command::Deploy(args) => deploy::run(args, &control(engine)?, output).await,
        Command::Model(command) => model::run(command, &control(engine)?, output).await,
        Command::Start(args) => start::run(args, &control(engine)?, output).await,
        Command::Correlation(command) => correlation::run(command, &control(engine)?, output).await,
        Command::Instance(command) => instance::run(command, &control(engine)?, output).await,
        Command::Results(args) => results::run(args, &control(engine)?, output).await,
        Command::Task(command) => task::run(command, &control(engine)?, output).await,
        Command::Event(command) => event::run(command, &control(engine)?, output).await,
        Command::Work(args) => work::run(args, engine.client()?, output).await,
        Command::Watch(args) => watch::run(args, engine.client()?, output).await,
        Command::Serve(args) => serve::run(args, output).await,
        Command::Info(args) => info::run(args, &control(engine)?, output).await,
        Command::Completions(args) => completions::run(&args),
    }
}

/// The process-control client of the engine the options name.
fn control(engine: &EngineArgs) -> Result<ProcessControlClient, Failure> {
    Ok(ProcessControlClient::new(engine.client()?))
}
