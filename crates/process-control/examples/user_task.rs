//! Answers a user task from code: deploys a model with one user task, starts it, lists the task
//! with its typed form fields, answers it with the defaults and one value of its own, and
//! prints the result.
//!
//! ```sh
//! cargo run -p process-engine-testkit -- --port 56000                    # an engine on :56000
//! cargo run -p process-engine-process-control --example user_task [URL]
//! ```

use std::collections::BTreeMap;

use process_engine_process_control::{Client, FormValue, ProcessControlClient, TaskScope};

/// A process with one user task `enter_data` whose form has a field of each type.
const MODEL: &str = include_str!("../tests/models/pc_user_task.bpmn");

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .init();
    let url = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "http://localhost:56000".to_owned());
    let client = ProcessControlClient::new(Client::builder(&url).build()?);

    let model = client.deploy_bpmn(MODEL).send().await?;
    let started = client
        .start_process_instance(&model, "start")
        .send()
        .await?;
    let tasks = client
        .user_tasks(TaskScope::correlation(&started.correlation_id))
        .send()
        .await?
        .user_tasks;
    let Some(task) = tasks.first() else {
        return Err("the instance has no waiting user task".into());
    };

    tracing::info!("user task {:?} ({})", task.name, task.id);
    let mut answer = BTreeMap::new();
    for field in &task.data.form_fields {
        let default = FormValue::default_of(field);
        tracing::info!(
            "  {} {:?} ({}), default {:?}, choices {:?}",
            field.id,
            field.label,
            field.r#type,
            default,
            field.enum_values
        );
        if let Some(default) = default {
            answer.insert(field.id.clone(), default);
        }
    }
    answer.insert("first_name".to_owned(), FormValue::String("Ada".to_owned()));
    client.finish_user_task(task).answer(&answer).send().await?;

    let results = client
        .wait_for_result(&started.correlation_id, &model)
        .send()
        .await?;
    for result in results {
        tracing::info!(
            "ended at {} with {}",
            result.end_event_id,
            result.token_payload
        );
    }
    Ok(())
}
