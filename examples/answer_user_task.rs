//! Answers a user task from code: deploys `samples/bpmn_models/user_task.bpmn`, starts it,
//! finds the waiting task of the instance, reads its form, answers it, and waits for the result.
//!
//! ```sh
//! cargo run -p process-engine-testkit                      # an engine on :56000
//! cargo run --example answer_user_task
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::process_control::{FormValue, TaskScope};
use process_engine::{Client, ProcessControlClient};
use serde_json::Value;

/// A process whose user task `review_order` asks: approved (boolean), priority (enum),
/// comment (string).
const USER_TASK: &str = include_str!("../samples/bpmn_models/user_task.bpmn");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let result = run(&url).await?;
    println!("the process ended with {result}");
    Ok(())
}

/// Starts an instance, answers its user task and returns the process result.
pub(crate) async fn run(url: &str) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
    let client = ProcessControlClient::new(Client::builder(url).build()?);
    let model = client.deploy_bpmn(USER_TASK).overwrite(true).send().await?;
    let started = client
        .start_process_instance(&model, "the_start_event")
        .send()
        .await?;

    // The task waits in the instance's correlation (other instances may have tasks too). The
    // start answers when the instance exists, maybe before it reached its user task: ask
    // again for a while.
    let list = client.user_tasks(TaskScope::correlation(&started.correlation_id));
    let mut tasks = list.send().await?.user_tasks;
    for _ in 0..50 {
        if !tasks.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let list = client.user_tasks(TaskScope::correlation(&started.correlation_id));
        tasks = list.send().await?.user_tasks;
    }
    let task = tasks
        .first()
        .ok_or("the instance never waited at its user task")?;
    for field in &task.data.form_fields {
        // The engine sends a default as the model's text, or an expression's value;
        // `default_of` reads it as the field's type. A key the model left out is `None`.
        println!(
            "{}: {:?} ({:?}, default {:?})",
            field.id.as_deref().unwrap_or("(no id)"),
            field.label,
            field.r#type,
            FormValue::default_of(field)
        );
    }

    client
        .finish_user_task(task)
        .field("approved", &true)
        .field("priority", &"urgent")
        .field("comment", &"answered from code")
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
