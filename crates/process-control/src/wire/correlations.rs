//! Results, own process instances, correlations (management API), token history, terminate.

use process_engine_api_types::models::{
    Correlation, CorrelationList, CorrelationResultList, ProcessInstanceList, TokenHistory,
};
use process_engine_api_types::routes;
use process_engine_transport::{Client, Error};

use crate::options::RequestOptions;

pub(crate) async fn results(
    client: &Client,
    correlation_id: &str,
    process_model_id: &str,
    options: &RequestOptions,
) -> Result<CorrelationResultList, Error> {
    super::json(
        client,
        &routes::GET_PROCESS_RESULTS_FOR_CORRELATION,
        &[correlation_id, process_model_id],
        options,
    )
    .await
}

pub(crate) async fn own_instances(
    client: &Client,
    options: &RequestOptions,
) -> Result<ProcessInstanceList, Error> {
    super::json(client, &routes::GET_OWN_PROCESS_INSTANCES, &[], options).await
}

/// Which correlations to read.
pub(crate) enum Which<'a> {
    ById(&'a str),
    ByProcessInstance(&'a str),
}

/// Which lists of correlations to read.
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
        Which::ById(id) => {
            super::json(client, &routes::GET_CORRELATION_BY_ID, &[id], options).await
        }
        Which::ByProcessInstance(id) => {
            super::json(
                client,
                &routes::GET_CORRELATION_BY_PROCESS_INSTANCE_ID,
                &[id],
                options,
            )
            .await
        }
    }
}

pub(crate) async fn correlations(
    client: &Client,
    which: WhichList<'_>,
    options: &RequestOptions,
) -> Result<CorrelationList, Error> {
    match which {
        WhichList::All => super::json(client, &routes::GET_ALL_CORRELATIONS, &[], options).await,
        WhichList::Active => {
            super::json(client, &routes::GET_ACTIVE_CORRELATIONS, &[], options).await
        }
        WhichList::ByProcessModel(id) => {
            super::json(
                client,
                &routes::GET_CORRELATIONS_BY_PROCESS_MODEL_ID,
                &[id],
                options,
            )
            .await
        }
    }
}

pub(crate) async fn token_history(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<TokenHistory, Error> {
    super::json(
        client,
        &routes::GET_TOKEN_HISTORY_FOR_PROCESS_INSTANCE,
        &[process_instance_id],
        options,
    )
    .await
}

pub(crate) async fn terminate(
    client: &Client,
    process_instance_id: &str,
    options: &RequestOptions,
) -> Result<(), Error> {
    super::empty(
        client,
        &routes::TERMINATE_PROCESS_INSTANCE,
        &[process_instance_id],
        options,
    )
    .await
}
