//! Deploying, updating and undeploying process models.

use process_engine_api_types::models::{ImportProcessModelRequest, UpdateProcessModelRequest};
use process_engine_api_types::operations::{
    ImportProcessModel, UndeployProcessModel, UpdateProcessModel,
};
use process_engine_transport::{Client, Error, RequestOptions};

// `overwriteExisting` is always sent: the engine's default (`true`) contradicts its own
// contract's comment, so a reader of the request should not have to know which one holds.

pub(crate) async fn import(
    client: &Client,
    name: &str,
    xml: String,
    overwrite: bool,
    options: &RequestOptions,
) -> Result<(), Error> {
    let body = ImportProcessModelRequest::new(name, xml).with_overwrite_existing(overwrite);
    client
        .execute(&ImportProcessModel::new(body), options)
        .await
}

pub(crate) async fn update(
    client: &Client,
    name: &str,
    xml: String,
    overwrite: bool,
    options: &RequestOptions,
) -> Result<(), Error> {
    let body = UpdateProcessModelRequest::new(xml).with_overwrite_existing(overwrite);
    client
        .execute(&UpdateProcessModel::new(name, body), options)
        .await
}

pub(crate) async fn undeploy(
    client: &Client,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<(), Error> {
    let operation = UndeployProcessModel::new(process_model_id);
    client.execute(&operation, options).await
}
