//! The wire: the only place that knows the engine's routes and bodies. One module per area; the
//! rest of the crate sees functions taking ids and domain values, and answering the wire DTOs it
//! converts. A later engine generation (other paths and bodies) is a second set of these modules.

pub(crate) mod correlations;
pub(crate) mod deployment;
pub(crate) mod events;
pub(crate) mod process_models;
pub(crate) mod server;
pub(crate) mod start;
pub(crate) mod tasks;

use process_engine_api_types::route::Route;
use process_engine_transport::{Call, Client, Error};
use serde::de::DeserializeOwned;

use crate::options::RequestOptions;

/// Sends a call of `route` with `params`, decoding the JSON answer.
async fn json<T: DeserializeOwned>(
    client: &Client,
    route: &'static Route,
    params: &[&str],
    options: &RequestOptions,
) -> Result<T, Error> {
    client.json(call(route, params, options)).await
}

/// Sends a call of `route` with `params` whose answer has no body.
async fn empty(
    client: &Client,
    route: &'static Route,
    params: &[&str],
    options: &RequestOptions,
) -> Result<(), Error> {
    client.empty(call(route, params, options)).await
}

fn call(route: &'static Route, params: &[&str], options: &RequestOptions) -> Call {
    let call = params
        .iter()
        .fold(Call::new(route), |call, param| call.param(param));
    options.apply(call)
}
