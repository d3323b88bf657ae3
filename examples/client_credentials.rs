//! An identity for deployment: the client gets its tokens from an OAuth 2.0 identity server
//! with the client-credentials grant, renews them before they expire, and the worker and the
//! process-control client both call as it.
//!
//! ```sh
//! cargo run --example client_credentials        # a stand-in engine and authority in this process
//!
//! # your engine, which names its identity server at GET /security/authority:
//! PROCESS_ENGINE_URL=https://engine.example.com \
//! PROCESS_ENGINE_CLIENT_ID=order-service PROCESS_ENGINE_CLIENT_SECRET=... \
//! cargo run --example client_credentials
//! ```
//!
//! `PROCESS_ENGINE_AUTHORITY` names the identity server instead of asking the engine, and
//! `PROCESS_ENGINE_SCOPE` a scope to ask for. See `docs/auth.md`.
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::prelude::*;
use process_engine::testkit::{TestAuthority, TestEngine};
use process_engine::types::models::ProcessStartResponse;
use process_engine::{Client, ClientCredentials};
use serde_json::{Value, json};

/// The process model, built into the program so that it runs from any directory.
const HELLO_WORLD: &str = include_str!("../samples/bpmn_models/hello_world.bpmn");

/// The client the stand-in authority knows.
const EXAMPLE_CLIENT: (&str, &str) = ("example-client", "example-secret");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        // Logs go to stderr: stdout is the program's output.
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let env = |name: &str| std::env::var(name).ok();
    let (url, stand_in) = match env("PROCESS_ENGINE_URL") {
        Some(url) => (url, None),
        None => {
            // An engine that, like a deployed one behind its gateway, takes only live tokens
            // of its authority.
            let authority = TestAuthority::new()
                .client(EXAMPLE_CLIENT.0, EXAMPLE_CLIENT.1)
                .guard_engine();
            let engine = TestEngine::builder().authority(authority).start().await?;
            println!("started a stand-in engine at {}", engine.url());
            (engine.url().to_owned(), Some(engine))
        }
    };
    let mut credentials = ClientCredentials::new(
        env("PROCESS_ENGINE_CLIENT_ID").unwrap_or_else(|| EXAMPLE_CLIENT.0.into()),
        env("PROCESS_ENGINE_CLIENT_SECRET").unwrap_or_else(|| EXAMPLE_CLIENT.1.into()),
    );
    if let Some(authority) = env("PROCESS_ENGINE_AUTHORITY") {
        credentials = credentials.authority(authority);
    }
    if let Some(scope) = env("PROCESS_ENGINE_SCOPE") {
        credentials = credentials.scope(scope);
    }

    let result = run(&url, credentials).await?;
    println!("correlation id: {}", result.correlation_id);
    println!(
        "result payload: {}",
        result.token_payload.unwrap_or(Value::Null)
    );
    if let Some(engine) = stand_in {
        if let Some(authority) = engine.authority() {
            println!("tokens granted: {}", authority.grants());
        }
        engine.shutdown().await;
    }
    Ok(())
}

/// Deploys `hello_world`, runs a worker for its external task and starts an instance that
/// waits for its end, all as the identity `credentials` get.
pub(crate) async fn run(
    url: &str,
    credentials: ClientCredentials,
) -> Result<ProcessStartResponse, process_engine::Error> {
    // The one place the identity is configured: everything made from this client uses it.
    let client = Client::builder(url)
        .client_credentials(credentials)
        .build()?;
    let control = ProcessControlClient::new(client.clone());
    control
        .deploy_bpmn(HELLO_WORLD)
        .overwrite(true)
        .send()
        .await?;

    let worker = Worker::builder(client)
        .subscribe(
            "SampleExternalTask",
            |_: Value| async { Ok::<_, BpmnError>(json!({"some": "result"})) },
            TaskOptions::default(),
        )
        .build()?;
    let worker_handle = worker.handle();
    let start = async {
        let result = control
            .start_process_instance("hello_world", "the_start_event")
            .end_event("the_end_event")
            .wait_limit(Duration::from_secs(60))
            .send()
            .await;
        worker_handle.shutdown();
        result
    };
    let (stats, result) = tokio::join!(worker.run_until(shutdown_signal()), start);
    stats?;
    Ok(result?)
}
