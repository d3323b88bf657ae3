//! The blocking process-control client, for a plain `fn main` without async: deploys the
//! exclusive gateway sample and starts it twice with different input, waiting each time until
//! the instance has finished, to see which end event it reached.
//!
//! ```sh
//! cargo run -p process-engine-testkit                      # an engine on :56000
//! cargo run --example blocking_client
//! ```
#![allow(clippy::print_stdout)] // An example talks to the person who runs it.

use process_engine::process_control::blocking::ProcessControlClient;
use process_engine::{Client, StartCallbackType};
use serde_json::json;

/// `check_amount` routes by the input's `amount`: 1000 or more to
/// `the_approval_needed_end_event`, below 0 to `the_rejected_end_event`, else to
/// `the_accepted_end_event`.
const EXCLUSIVE_GATEWAY: &str = include_str!("../samples/bpmn_models/exclusive_gateway.bpmn");

fn main() -> Result<(), process_engine::Error> {
    let url =
        std::env::var("PROCESS_ENGINE_URL").unwrap_or_else(|_| "http://localhost:56000".into());
    for (amount, end_event) in run(&url)? {
        println!("amount {amount}: ended at {end_event}");
    }
    Ok(())
}

/// Starts the model with two amounts; answers each amount with the end event reached.
/// Must not be called inside an async runtime: the blocking client refuses that.
pub(crate) fn run(url: &str) -> Result<Vec<(i64, String)>, process_engine::Error> {
    let client = ProcessControlClient::new(Client::builder(url).build()?)?;
    // Each call builds its request with the async client's builders; `call` blocks until the
    // answer is there.
    let model = client.call(|control| {
        control
            .deploy_bpmn(EXCLUSIVE_GATEWAY)
            .overwrite(true)
            .send()
    })?;
    let mut ends = Vec::new();
    for amount in [2_500, 40] {
        let result = client.call(|control| {
            control
                .start_process_instance(&model, "the_start_event")
                .callback(StartCallbackType::OnProcessInstanceFinished)
                .input(&json!({"amount": amount}))
                .send()
        })?;
        ends.push((amount, result.end_event_id.unwrap_or_default()));
    }
    Ok(ends)
}
