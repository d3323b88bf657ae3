//! Starts `hello_world` at `the_start_event` and returns as soon as the instance is created: the
//! Python README's first example ("Beispiel mit nicht blockierendem Client").
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run -p process-engine-process-control --example start_process [URL]
//! ```

use process_engine_process_control::{Client, ProcessControlClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // As the seed's `logging.basicConfig(level=logging.DEBUG, ...)`.
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .init();
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://localhost:56000".to_owned());

    let client = ProcessControlClient::new(Client::builder(&url).build()?);
    let result = client
        .start_process_instance("hello_world", "the_start_event")
        .send()
        .await?;

    tracing::info!("Started process instance with result {result:?}");
    Ok(())
}
