//! Starts `hello_world` and waits until it reaches `the_end_event`: the Python client's second
//! example ("Beispiel mit blockierendem Client"), line by line, in a plain `fn main` with the
//! blocking client. (`start_and_wait` does the same with the async client.)
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example external_task                                     # its worker
//! cargo run --example start_process_blocking
//! ```
//!
//! The engine is `PROCESS_ENGINE_URL`, else `http://localhost:56000`. `hello_world` waits for a
//! worker to do its external task (topic `SampleExternalTask`); without one, the start ends
//! when the client's wait limit passes, with an error naming the correlation.
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::process_control::blocking::ProcessControlClient;
use process_engine::types::models::ProcessStartResponse;
use process_engine::{Client, Error};

fn main() -> Result<(), Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let result = run(&url)?;
    println!("Started process instance with result {result:?}");
    Ok(())
}

/// Starts `hello_world` with callback type 3 (implied by naming the end event) and blocks until
/// the instance reaches `the_end_event`, at most 60 s. Must not be called inside an async
/// runtime: the blocking client refuses that.
pub(crate) fn run(url: &str) -> Result<ProcessStartResponse, Error> {
    let client = ProcessControlClient::new(Client::builder(url).build()?)?
        .with_wait_limit(Duration::from_secs(60));
    let result = client.call(|control| {
        control
            .start_process_instance("hello_world", "the_start_event")
            .end_event("the_end_event")
            .send()
    })?;
    Ok(result)
}
