//! Process models: list, get, get by process instance, and with XML (management API).

use process_engine_api_types::models::{
    ManagementProcessModel, ManagementProcessModelList, ProcessModel, ProcessModelList,
};
use process_engine_api_types::routes;
use process_engine_transport::{Client, Error};

use crate::options::RequestOptions;

pub(crate) async fn list(
    client: &Client,
    options: &RequestOptions,
) -> Result<ProcessModelList, Error> {
    super::json(client, &routes::GET_PROCESS_MODELS, &[], options).await
}

pub(crate) async fn get(
    client: &Client,
    id: &str,
    options: &RequestOptions,
) -> Result<ProcessModel, Error> {
    super::json(client, &routes::GET_PROCESS_MODEL_BY_ID, &[id], options).await
}

pub(crate) async fn of_instance(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<ProcessModel, Error> {
    super::json(
        client,
        &routes::GET_PROCESS_MODEL_BY_PROCESS_INSTANCE_ID,
        &[process_instance_id],
        options,
    )
    .await
}

pub(crate) async fn list_with_xml(
    client: &Client,
    options: &RequestOptions,
) -> Result<ManagementProcessModelList, Error> {
    super::json(client, &routes::MANAGEMENT_GET_PROCESS_MODELS, &[], options).await
}

pub(crate) async fn get_with_xml(
    client: &Client,
    id: &str,
    options: &RequestOptions,
) -> Result<ManagementProcessModel, Error> {
    super::json(
        client,
        &routes::MANAGEMENT_GET_PROCESS_MODEL_BY_ID,
        &[id],
        options,
    )
    .await
}
