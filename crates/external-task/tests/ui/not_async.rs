// A plain function: the worker needs a future to run.
use std::convert::Infallible;

use process_engine_external_task::{Client, TaskOptions, Worker};
use serde_json::Value;

fn handler(payload: Value) -> Result<Value, Infallible> {
    Ok(payload)
}

fn main() {
    let client = Client::builder("http://localhost:56000").build().unwrap();
    let _ = Worker::builder(client).subscribe("Topic", handler, TaskOptions::default());
}
