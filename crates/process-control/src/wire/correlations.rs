//! Results, own process instances, correlations (management API), token history, terminate.

use process_engine_api_types::models::{
    Correlation, CorrelationList, CorrelationResultList, ProcessInstanceList, TokenHistory,
};
use process_engine_api_types::operations::{
    GetActiveCorrelations, GetAllCorrelations, GetCorrelationById,
    GetCorrelationByProcessInstanceId, GetCorrelationsByProcessModelId, GetOwnProcessInstances,
    GetProcessResultsForCorrelation, GetTokenHistoryForCorrelationAndProcessModel,
    GetTokenHistoryForProcessInstance, TerminateProcessInstance,
};
use process_engine_transport::{Client, Error, RequestOptions};

pub(crate) async fn results(
    client: &Client,
    correlation_id: &str,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<CorrelationResultList, Error> {
    let operation = GetProcessResultsForCorrelation::new(correlation_id, process_model_id);
    client.execute(&operation, options).await
}

pub(crate) async fn own_instances(
    client: &Client,
    options: &RequestOptions,
) -> Result<ProcessInstanceList, Error> {
    client
        .execute(&GetOwnProcessInstances::new(), options)
        .await
}

/// Which correlation to read.
pub(crate) enum Which<'a> {
    ById(&'a str),
    ByProcessInstance(&'a str),
}

/// Which list of correlations to read.
pub(crate) enum WhichList<'a> {
    All,
    Active,
    ByProcessModel(&'a str),
}

pub(crate) async fn correlation(
    client: &Client,
    which: Which<'_>,
    options: &RequestOptions,
) -> Result<Correlation, Error> {
    match which {
        Which::ById(id) => client.execute(&GetCorrelationById::new(id), options).await,
        Which::ByProcessInstance(id) => {
            let operation = GetCorrelationByProcessInstanceId::new(id);
            client.execute(&operation, options).await
        }
    }
}

pub(crate) async fn correlations(
    client: &Client,
    which: WhichList<'_>,
    options: &RequestOptions,
) -> Result<CorrelationList, Error> {
    match which {
        WhichList::All => client.execute(&GetAllCorrelations::new(), options).await,
        WhichList::Active => client.execute(&GetActiveCorrelations::new(), options).await,
        WhichList::ByProcessModel(id) => {
            let operation = GetCorrelationsByProcessModelId::new(id);
            client.execute(&operation, options).await
        }
    }
}

pub(crate) async fn token_history(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<TokenHistory, Error> {
    let operation = GetTokenHistoryForProcessInstance::new(process_instance_id);
    client.execute(&operation, options).await
}

pub(crate) async fn token_history_in_correlation(
    client: &Client,
    correlation_id: &str,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<TokenHistory, Error> {
    let operation =
        GetTokenHistoryForCorrelationAndProcessModel::new(correlation_id, process_model_id);
    client.execute(&operation, options).await
}

pub(crate) async fn terminate(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<(), Error> {
    let operation = TerminateProcessInstance::new(process_instance_id);
    client.execute(&operation, options).await
}
