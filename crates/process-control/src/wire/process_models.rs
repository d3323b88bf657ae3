//! Process models: list, get, get by process instance, and with XML (management API).

use process_engine_api_types::models::{
    ManagementProcessModel, ManagementProcessModelList, ProcessModel, ProcessModelList,
};
use process_engine_api_types::operations::{
    GetProcessModelById, GetProcessModelByProcessInstanceId, GetProcessModels,
    ManagementGetProcessModelById, ManagementGetProcessModels,
};
use process_engine_transport::{Client, Error, RequestOptions};

pub(crate) async fn list(
    client: &Client,
    options: &RequestOptions,
) -> Result<ProcessModelList, Error> {
    client.execute(&GetProcessModels::new(), options).await
}

pub(crate) async fn get(
    client: &Client,
    id: &str,
    options: &RequestOptions,
) -> Result<ProcessModel, Error> {
    client.execute(&GetProcessModelById::new(id), options).await
}

pub(crate) async fn of_instance(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<ProcessModel, Error> {
    let operation = GetProcessModelByProcessInstanceId::new(process_instance_id);
    client.execute(&operation, options).await
}

pub(crate) async fn list_with_xml(
    client: &Client,
    options: &RequestOptions,
) -> Result<ManagementProcessModelList, Error> {
    client
        .execute(&ManagementGetProcessModels::new(), options)
        .await
}

pub(crate) async fn get_with_xml(
    client: &Client,
    id: &str,
    options: &RequestOptions,
) -> Result<ManagementProcessModel, Error> {
    client
        .execute(&ManagementGetProcessModelById::new(id), options)
        .await
}
