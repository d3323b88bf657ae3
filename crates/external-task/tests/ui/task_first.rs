// The arguments the wrong way round: the payload comes first, then the task.
use std::convert::Infallible;

use process_engine_external_task::{Client, ExternalTask, TaskOptions, Worker};
use serde_json::Value;

async fn handler(_task: ExternalTask, payload: Value) -> Result<Value, Infallible> {
    Ok(payload)
}

fn main() {
    let client = Client::builder("http://localhost:56000").build().unwrap();
    let _ = Worker::builder(client).subscribe("Topic", handler, TaskOptions::default());
}
