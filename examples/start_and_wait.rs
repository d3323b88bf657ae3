//! Starts `hello_world` and waits until it reaches `the_end_event`: the Python client's second
//! example ("Beispiel mit blockierendem Client"), with the async client. (For a plain `fn main`
//! without async, see `start_process_blocking.rs`.)
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example external_task                                     # its worker
//! cargo run --example start_and_wait
//! ```
//!
//! `hello_world` waits for a worker to do its external task; without one, the start ends when
//! the wait limit passes, with an error naming the correlation to look the instance up by.
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

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

/// Starts `hello_world` with callback type 3 (implied by naming the end event): the answer
/// comes when the instance reaches `the_end_event`, with the end event's payload, or when 60 s
/// have passed.
pub(crate) async fn run(url: &str) -> Result<ProcessStartResponse, Error> {
    let client = ProcessControlClient::new(Client::builder(url).build()?)
        .with_wait_limit(Duration::from_secs(60));
    let result = client
        .start_process_instance("hello_world", "the_start_event")
        .end_event("the_end_event")
        .send()
        .await?;
    Ok(result)
}
