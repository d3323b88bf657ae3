// A handler that returns its result instead of a `Result`.
use process_engine_external_task::{Client, TaskOptions, Worker};
use serde_json::{Value, json};

async fn handler(_payload: Value) -> Value {
    json!({"done": true})
}

fn main() {
    let client = Client::builder("http://localhost:56000").build().unwrap();
    let _ = Worker::builder(client).subscribe("Topic", handler, TaskOptions::default());
}
