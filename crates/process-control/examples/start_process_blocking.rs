//! Starts `hello_world` and waits until it reaches `the_end_event`: the Python README's second
//! example ("Beispiel mit blockierendem Client"), line by line, in a plain `fn main` with the
//! `blocking` client.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run -p process-engine-process-control --features blocking --example start_process_blocking [URL]
//! ```
//!
//! `hello_world` waits for a worker to do its external task (topic `SampleExternalTask`); without
//! one, the start ends when the client's wait limit passes, with an error naming the
//! correlation.

use std::time::Duration;

use process_engine_process_control::blocking::ProcessControlClient;
use process_engine_process_control::{Client, StartCallbackType};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://localhost:56000".to_owned());

    let client = ProcessControlClient::new(Client::builder(&url).build()?)?
        .with_wait_limit(Duration::from_secs(60));
    let result = client.call(|control| {
        control
            .start_process_instance("hello_world", "the_start_event")
            .end_event("the_end_event")
            .callback(StartCallbackType::OnEndEventReached)
            .send()
    })?;

    tracing::info!("Started process instance with result {result:?}");
    Ok(())
}
