//! Correlations and the state of process instances (the engine's management API): the only way
//! 8.0.0 tells whether an instance runs, finished or failed.

use std::fmt;

use process_engine_api_types::models::{self, CorrelationError, CorrelationState};
use serde_json::Value;

use crate::mode::Mode;
use crate::wire::correlations::{Which, WhichList};
use crate::{Error, ProcessControlClient, Request, wire};

/// A correlation: the process instances started with one correlation id.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Correlation {
    /// The correlation id.
    pub id: String,
    /// Running while any instance runs, an error if any failed or was terminated.
    pub state: InstanceState,
    /// When it was created, an ISO-8601 timestamp.
    pub created_at: String,
    /// Its process instances.
    pub process_instances: Vec<CorrelationInstance>,
}

/// A process instance of a correlation.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CorrelationInstance {
    /// The instance's id.
    pub process_instance_id: String,
    /// The process model it runs.
    pub process_model_id: String,
    /// The name the model was deployed under.
    pub process_definition_name: String,
    /// The hash of the deployed version it runs.
    pub hash: String,
    /// The BPMN XML of that version.
    pub xml: String,
    /// The instance that started it through a call activity, if any.
    pub parent_process_instance_id: Option<String>,
    /// Its state.
    pub state: InstanceState,
    /// The user id of the identity that started it.
    pub owner_user_id: String,
    /// When it was started, an ISO-8601 timestamp.
    pub created_at: String,
}

/// Whether a process instance (or a correlation) runs, finished or failed.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InstanceState {
    /// It runs (or waits for a task, message or timer).
    Running,
    /// It reached its end.
    Finished,
    /// It failed or was terminated; what the engine recorded, when it recorded anything.
    Error(Option<InstanceError>),
    /// A state this client does not know (a newer engine may send one), as sent.
    Other(String),
}

/// The error a failed or terminated instance ended with, as the engine records it. ProcessEngine
/// 8.0.0 does not keep the error's message.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InstanceError {
    /// The error's status code (500 for a failed task or a termination).
    pub code: i64,
    /// The error class, e.g. `InternalServerError`.
    pub name: String,
    /// Details given with the error (a worker's service error details).
    pub additional_information: Option<Value>,
}

impl fmt::Display for InstanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, self.code)
    }
}

impl From<CorrelationError> for InstanceError {
    fn from(error: CorrelationError) -> Self {
        InstanceError {
            code: error.code,
            name: error.name,
            additional_information: error.additional_information,
        }
    }
}

fn state(state: CorrelationState, error: Option<CorrelationError>) -> InstanceState {
    match state {
        CorrelationState::Running => InstanceState::Running,
        CorrelationState::Finished => InstanceState::Finished,
        CorrelationState::Error => InstanceState::Error(error.map(Into::into)),
        other => InstanceState::Other(other.as_str().to_owned()),
    }
}

impl From<models::CorrelationProcessInstance> for CorrelationInstance {
    fn from(instance: models::CorrelationProcessInstance) -> Self {
        CorrelationInstance {
            process_instance_id: instance.process_instance_id,
            process_model_id: instance.process_model_id,
            process_definition_name: instance.process_definition_name,
            hash: instance.hash,
            xml: instance.xml,
            parent_process_instance_id: instance.parent_process_instance_id,
            state: state(instance.state, instance.error),
            owner_user_id: instance.identity.user_id,
            created_at: instance.created_at,
        }
    }
}

impl From<models::Correlation> for Correlation {
    fn from(correlation: models::Correlation) -> Self {
        Correlation {
            id: correlation.id,
            state: state(correlation.state, correlation.error),
            created_at: correlation.created_at,
            process_instances: correlation
                .process_instances
                .into_iter()
                .map(Into::into)
                .collect(),
        }
    }
}

fn list(correlations: models::CorrelationList) -> Vec<Correlation> {
    correlations.into_iter().map(Into::into).collect()
}

impl<M: Mode> ProcessControlClient<M> {
    /// One correlation with its instances; [`ErrorKind::NotFound`](crate::ErrorKind::NotFound)
    /// when the caller has none of that id.
    pub fn correlation(&self, correlation_id: impl Into<String>) -> Request<Correlation, M> {
        let id = correlation_id.into();
        self.request(|client, options| async move {
            Ok(
                wire::correlations::correlation(&client, Which::ById(&id), &options)
                    .await?
                    .into(),
            )
        })
    }

    /// The correlation a process instance runs in.
    pub fn correlation_of_process_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> Request<Correlation, M> {
        let id = process_instance_id.into();
        self.request(|client, options| async move {
            Ok(
                wire::correlations::correlation(&client, Which::ByProcessInstance(&id), &options)
                    .await?
                    .into(),
            )
        })
    }

    /// The correlations with instances of a process model.
    pub fn correlations_of_process_model(
        &self,
        process_model_id: impl Into<String>,
    ) -> Request<Vec<Correlation>, M> {
        let id = process_model_id.into();
        self.request(|client, options| async move {
            let which = WhichList::ByProcessModel(&id);
            Ok(list(
                wire::correlations::correlations(&client, which, &options).await?,
            ))
        })
    }

    /// All correlations the caller may see (those started with the development token are seen
    /// by everyone).
    pub fn all_correlations(&self) -> Request<Vec<Correlation>, M> {
        self.request(|client, options| async move {
            Ok(list(
                wire::correlations::correlations(&client, WhichList::All, &options).await?,
            ))
        })
    }

    /// The correlations with a running instance.
    pub fn active_correlations(&self) -> Request<Vec<Correlation>, M> {
        self.request(|client, options| async move {
            Ok(list(
                wire::correlations::correlations(&client, WhichList::Active, &options).await?,
            ))
        })
    }

    /// Whether a process instance runs, finished, or failed (with the engine's error).
    pub fn process_instance_state(
        &self,
        process_instance_id: impl Into<String>,
    ) -> Request<InstanceState, M> {
        let id = process_instance_id.into();
        self.request(|client, options| async move {
            let correlation =
                wire::correlations::correlation(&client, Which::ByProcessInstance(&id), &options)
                    .await?;
            correlation
                .process_instances
                .into_iter()
                .find(|instance| instance.process_instance_id == id)
                .map(|instance| state(instance.state, instance.error))
                .ok_or_else(|| {
                    Error::unexpected(
                        "get_correlation_by_process_instance_id",
                        format!("does not list the process instance {id}"),
                    )
                })
        })
    }

    /// Terminates a process instance: it ends in state error, its open tasks are gone. The
    /// engine does it asynchronously.
    pub fn terminate_process_instance(
        &self,
        process_instance_id: impl Into<String>,
    ) -> Request<(), M> {
        let id = process_instance_id.into();
        self.request(|client, options| async move {
            Ok(wire::correlations::terminate(&client, &id, &options).await?)
        })
    }
}
