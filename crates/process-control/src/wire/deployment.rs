//! Deploying, updating and undeploying process models.

use process_engine_api_types::models::{ImportProcessModelRequest, UpdateProcessModelRequest};
use process_engine_api_types::routes;
use process_engine_transport::{Call, Client, Error};

use crate::options::RequestOptions;

pub(crate) async fn import(
    client: &Client,
    name: &str,
    xml: String,
    overwrite: bool,
    options: &RequestOptions,
) -> Result<(), Error> {
    let mut body = ImportProcessModelRequest::default();
    name.clone_into(&mut body.name);
    body.xml = xml;
    // Sent always: the engine's default (`true`) contradicts its own contract's comment.
    body.overwrite_existing = Some(overwrite);
    let call = Call::new(&routes::IMPORT_PROCESS_MODEL).json(&body);
    client.empty(options.apply(call)).await
}

pub(crate) async fn update(
    client: &Client,
    name: &str,
    xml: String,
    overwrite: bool,
    options: &RequestOptions,
) -> Result<(), Error> {
    let mut body = UpdateProcessModelRequest::default();
    body.xml = xml;
    body.overwrite_existing = Some(overwrite);
    let call = Call::new(&routes::UPDATE_PROCESS_MODEL)
        .param(name)
        .json(&body);
    client.empty(options.apply(call)).await
}

pub(crate) async fn undeploy(
    client: &Client,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<(), Error> {
    super::empty(
        client,
        &routes::UNDEPLOY_PROCESS_MODEL,
        &[process_model_id],
        options,
    )
    .await
}
