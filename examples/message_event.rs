//! A message event: an instance waits at a message catch event until the application triggers
//! the message; the message's payload becomes the process result.
//!
//! ```sh
//! cargo run -p process-engine-testkit                      # an engine on :56000
//! cargo run --example message_event
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::process_control::EventScope;
use process_engine::{Client, ProcessControlClient};
use serde_json::{Value, json};

/// `the_start_event` → waits for the message `payment_received` → `the_end_event`.
const MESSAGE_EVENT: &str = include_str!("../samples/bpmn_models/message_event.bpmn");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let result = run(&url).await?;
    println!("the process ended with {result}");
    Ok(())
}

/// Starts an instance, triggers its message once it waits for it, and returns the result.
pub(crate) async fn run(url: &str) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let client = ProcessControlClient::new(Client::builder(url).build()?);
    let model = client
        .deploy_bpmn(MESSAGE_EVENT)
        .overwrite(true)
        .send()
        .await?;
    let started = client
        .start_process_instance(&model, "the_start_event")
        .send()
        .await?;

    // A message reaches only the instances waiting for it when it is triggered: wait until
    // this one is (the start answers when the instance exists, maybe before it got there).
    let scope = EventScope::correlation(&started.correlation_id);
    let mut waiting = client.events(scope.clone()).send().await?.events;
    for _ in 0..50 {
        if !waiting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        waiting = client.events(scope.clone()).send().await?.events;
    }
    let event = waiting
        .first()
        .ok_or("the instance never waited for the message")?;
    let name = event
        .event_name
        .as_deref()
        .ok_or("the waiting event's message has no name")?;
    println!("{} waits for the message {name:?}", event.id);

    // Triggers it for every instance waiting for `payment_received`.
    client
        .trigger_message(name)
        .payload(&json!({"paid": true}))
        .send()
        .await?;

    let results = client
        .wait_for_result(&started.correlation_id, &model)
        .send()
        .await?;
    let result = results
        .into_iter()
        .next()
        .ok_or("the instance has no result")?;
    Ok(result.token_payload)
}
