//! Watches the engine's events while a process runs: subscribes to one correlation's events,
//! starts `samples/bpmn_models/user_task.bpmn` in it, answers its user task when the event says
//! that it waits, and stops at the instance's end.
//!
//! ```sh
//! cargo run --example watch_events                       # a stand-in engine in this process
//! PROCESS_ENGINE_URL=http://localhost:56000 cargo run --example watch_events
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::{SystemTime, UNIX_EPOCH};

use process_engine::events::{EngineEvent, EventFilter, Events};
use process_engine::testkit::TestEngine;
use process_engine::{Client, ProcessControlClient};
use serde_json::json;

/// A process whose user task `review_order` asks whether the order is approved.
const USER_TASK: &str = include_str!("../samples/bpmn_models/user_task.bpmn");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    // Your engine if `PROCESS_ENGINE_URL` names one, else the stand-in engine, in this process.
    let (url, stand_in) = match std::env::var("PROCESS_ENGINE_URL") {
        Ok(url) => (url, None),
        Err(_) => {
            let engine = TestEngine::builder().start().await?;
            println!("started a stand-in engine at {}", engine.url());
            (engine.url().to_owned(), Some(engine))
        }
    };
    run(&url).await?;
    if let Some(engine) = stand_in {
        engine.shutdown().await;
    }
    Ok(())
}

/// Runs one instance while watching it; returns the events it printed, in order.
pub(crate) async fn run(
    url: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    // One transport client: the events and process control share its identity.
    let client = Client::builder(url).build()?;
    let control = ProcessControlClient::new(client.clone());
    let model = control
        .deploy_bpmn(USER_TASK)
        .overwrite(true)
        .send()
        .await?;

    // Subscribe before starting: the engine sends each event once, to whoever listens then.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let correlation = format!("watch-events-{nanos}");
    let events = Events::new(client);
    let mut stream = events
        .subscribe(EventFilter::all().correlation(&correlation))
        .await?;

    let started = control
        .start_process_instance(&model, "the_start_event")
        .correlation_id(&correlation)
        .input(&json!({"order": 4711}))
        .send()
        .await?;
    println!("started {} in {correlation}", started.process_instance_id);

    let mut printed = Vec::new();
    while let Some(item) = stream.next().await {
        let event = item?;
        let line = match &event {
            EngineEvent::Missed(missed) => {
                format!("events may be missing since {:?}", missed.since())
            }
            EngineEvent::Unknown(unknown) => format!("{} (unknown to this client)", unknown.name()),
            known => {
                let (kind, payload) = (known.kind(), known.notification());
                let payload = payload.ok_or("a known event has a payload")?;
                format!(
                    "{} at {} (token {})",
                    kind.map_or("?", |kind| kind.as_str()),
                    payload.flow_node_id,
                    payload.current_token
                )
            }
        };
        println!("{line}");
        printed.push(line);
        match event {
            EngineEvent::UserTaskWaiting(task) => {
                control
                    .finish_user_task(&task)
                    .field("approved", &true)
                    .send()
                    .await?;
            }
            EngineEvent::ProcessEnded(_) | EngineEvent::ProcessTerminated(_) => break,
            _ => {}
        }
    }
    Ok(printed)
}
