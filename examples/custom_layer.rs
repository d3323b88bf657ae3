//! A tower layer of your own on the transport: here one that counts the calls of each
//! operation. Layers see each call once (not each attempt), with the operation's name in the
//! request's extensions; every handle made from the client goes through them.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --deploy samples/bpmn_models   # an engine on :56000
//! cargo run --example custom_layer
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use process_engine::transport::CallInfo;
use process_engine::{Client, Error, ProcessControlClient};
use tower::util::MapRequestLayer;

/// Calls per operation name.
pub(crate) type Counts = Arc<Mutex<BTreeMap<&'static str, u64>>>;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let counts = run(&url).await?;
    let counts = counts.lock().unwrap_or_else(PoisonError::into_inner);
    for (operation, calls) in counts.iter() {
        println!("{operation}: {calls}");
    }
    Ok(())
}

/// Lists the process models twice and starts `hello_world` once, through a counting layer.
pub(crate) async fn run(url: &str) -> Result<Counts, Error> {
    let counts = Counts::default();
    let counter = Arc::clone(&counts);
    // Any `tower::Layer` whose service takes and answers `http` requests of `Bytes`; a
    // `MapRequestLayer` is the shortest. A poisoned lock only means another thread panicked
    // while counting: the counts are still usable.
    let count_calls = MapRequestLayer::new(move |request: http::Request<bytes::Bytes>| {
        if let Some(call) = request.extensions().get::<CallInfo>() {
            let mut counts = counter.lock().unwrap_or_else(PoisonError::into_inner);
            *counts.entry(call.operation()).or_default() += 1;
        }
        request
    });

    let client = Client::builder(url).layer(count_calls).build()?;
    let control = ProcessControlClient::new(client);
    control.process_models().send().await?;
    control.process_models().send().await?;
    control
        .start_process_instance("hello_world", "the_start_event")
        .send()
        .await?;
    Ok(counts)
}
