//! Starts `hello_world` at `the_start_event` and returns as soon as the instance is created:
//! the Python client's first example ("Beispiel mit nicht blockierendem Client").
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example start_process
//! ```
//!
//! The engine is `PROCESS_ENGINE_URL`, else `http://localhost:56000`.
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use process_engine::types::models::ProcessStartResponse;
use process_engine::{Client, Error, ProcessControlClient};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let result = run(&url).await?;
    println!("Started process instance with result {result:?}");
    Ok(())
}

/// Starts `hello_world` with callback type 1 (the default): the answer comes when the instance
/// exists, with its ids; it goes on without us.
pub(crate) async fn run(url: &str) -> Result<ProcessStartResponse, Error> {
    let client = ProcessControlClient::new(Client::builder(url).build()?);
    let result = client
        .start_process_instance("hello_world", "the_start_event")
        .send()
        .await?;
    Ok(result)
}
