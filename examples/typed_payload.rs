//! Typed payloads end to end: the process starts with a Rust struct as its input, the worker's
//! handler receives it as that struct and answers another, and the caller reads the process
//! result back as that type. No `serde_json::Value` in sight.
//!
//! ```sh
//! cargo run --example typed_payload        # PROCESS_ENGINE_URL, else http://localhost:56000
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use std::time::Duration;

use process_engine::prelude::*;
use process_engine::{Client, Error};
use serde::{Deserialize, Serialize};

/// `the_start_event` hands the input to the external task on `SampleExternalTask`, whose result
/// becomes the process result.
const HELLO_WORLD: &str = include_str!("../samples/bpmn_models/hello_world.bpmn");

/// The process's input, and so the task's payload.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Order {
    /// The order's number.
    pub(crate) id: u32,
    /// Its amount in cents.
    pub(crate) amount: u64,
}

/// The worker's result, and so the process result.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub(crate) struct Checked {
    /// The order checked.
    pub(crate) id: u32,
    /// Whether it may go on without a person looking at it.
    pub(crate) approved: bool,
}

/// A payload that does not deserialize into `Order` never reaches this function: the worker
/// reports a service error naming the field instead.
async fn check_order(order: Order) -> Result<Checked, BpmnError> {
    Ok(Checked {
        id: order.id,
        approved: order.amount <= 10_000,
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    let checked = run(
        &url,
        Order {
            id: 7,
            amount: 2_500,
        },
    )
    .await?;
    println!("{checked:?}");
    Ok(())
}

/// Runs a worker for `check_order`, starts `hello_world` with `order` and reads its result.
pub(crate) async fn run(url: &str, order: Order) -> Result<Checked, Error> {
    let client = Client::builder(url).build()?;
    let control = ProcessControlClient::new(client.clone());
    control
        .deploy_bpmn(HELLO_WORLD)
        .overwrite(true)
        .send()
        .await?;

    let worker = Worker::builder(client)
        .subscribe("SampleExternalTask", check_order, TaskOptions::default())
        .build()?;
    let handle = worker.handle();
    let start = async {
        let result = control
            .start_process_instance("hello_world", "the_start_event")
            .end_event("the_end_event")
            .input(&order)
            .wait_limit(Duration::from_secs(60))
            .send()
            .await;
        handle.shutdown();
        result
    };
    let (stats, result) = tokio::join!(worker.run_until(shutdown_signal()), start);
    stats?;
    // Reads the end event's payload as `Checked`; a mismatch is an error naming the field.
    Ok(result?.token_payload_as::<Checked>()?)
}
