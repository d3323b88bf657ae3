//! Watches the engine's events while a process runs: subscribes to one correlation's events,
//! starts `samples/bpmn_models/user_task.bpmn` in it, answers its user task when the event says
//! that it waits, and stops at the instance's end.
//!
//! ```sh
//! cargo run -p process-engine-testkit                      # an engine on :56000
//! cargo run --example watch_events --features events
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::{SystemTime, UNIX_EPOCH};

use process_engine::Engine;
use process_engine::RequestOptions;
use process_engine::events::{EngineEvent, EventFilter, Events};
use process_engine::types::models::{
    ImportProcessModelRequest, ProcessStartRequest, StartProcessInstanceQuery, UserTaskResult,
};
use process_engine::types::operations::{FinishUserTask, ImportProcessModel, StartProcessInstance};
use serde_json::json;

/// A process whose user task `review_order` asks whether the order is approved.
const USER_TASK: &str = include_str!("../../../samples/bpmn_models/user_task.bpmn");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    run(&url).await?;
    Ok(())
}

/// Runs one instance while watching it; returns the events it printed, in order.
pub(crate) async fn run(
    url: &str,
) -> Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
    let engine = Engine::new(url)?;
    let client = engine.transport();
    let options = RequestOptions::new();
    let import = ImportProcessModel::new(
        ImportProcessModelRequest::new("user_task", USER_TASK).with_overwrite_existing(true),
    );
    client.execute(&import, &options).await?;

    // Subscribe before starting: the engine sends each event once, to whoever listens then.
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos();
    let correlation = format!("watch-events-{nanos}");
    let events = Events::new(client.clone());
    let mut stream = events
        .subscribe(EventFilter::all().correlation(&correlation))
        .await?;

    let start = StartProcessInstance::new(
        "user_task",
        ProcessStartRequest::new()
            .with_correlation_id(&correlation)
            .with_input_values(json!({"order": 4711})),
    )
    .with_query(StartProcessInstanceQuery::new().with_start_event_id("the_start_event"));
    let started = client.execute(&start, &options).await?;
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
                let fields = json!({"approved": true});
                let fields = fields.as_object().cloned().unwrap_or_default();
                let finish = FinishUserTask::new(
                    &task.process_instance_id,
                    &task.correlation_id,
                    &task.flow_node_instance_id,
                    UserTaskResult::new(fields),
                );
                client.execute(&finish, &options).await?;
            }
            EngineEvent::ProcessEnded(_) | EngineEvent::ProcessTerminated(_) => break,
            _ => {}
        }
    }
    Ok(printed)
}
