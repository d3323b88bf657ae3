//! The token history of a process instance: the payload at each flow node it passed.

use std::collections::BTreeMap;

use process_engine_api_types::models::{self, TokenEventType};
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::mode::Mode;
use crate::{Error, ProcessControlClient, Request, wire};

/// For each flow node (by its BPMN id), the tokens recorded there, in order.
pub type TokenHistory = BTreeMap<String, Vec<TokenHistoryEntry>>;

/// A token recorded at a flow node.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct TokenHistoryEntry {
    /// The flow node's BPMN id.
    pub flow_node_id: String,
    /// The flow node instance.
    pub flow_node_instance_id: String,
    /// The flow node instance the token came from (none for a start event).
    pub previous_flow_node_instance_id: Option<String>,
    /// When in the flow node's life it was recorded.
    pub event: TokenEvent,
    /// When it was recorded, an ISO-8601 timestamp.
    pub created_at: String,
    /// The token payload then.
    pub payload: Value,
}

impl TokenHistoryEntry {
    /// Reads the payload as `T`; the error names the first field that does not fit.
    pub fn payload_as<T: DeserializeOwned>(&self) -> Result<T, Error> {
        Ok(process_engine_api_types::payload::payload_as(Some(
            &self.payload,
        ))?)
    }
}

/// When in a flow node's life a token was recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenEvent {
    /// On entering the flow node.
    Enter,
    /// On leaving it.
    Exit,
    /// On suspending (waiting for a task, message, ...).
    Suspend,
    /// On resuming.
    Resume,
    /// A value this client does not know, as sent.
    Other(String),
}

impl From<TokenEventType> for TokenEvent {
    fn from(event: TokenEventType) -> Self {
        match event {
            TokenEventType::OnEnter => TokenEvent::Enter,
            TokenEventType::OnExit => TokenEvent::Exit,
            TokenEventType::OnSuspend => TokenEvent::Suspend,
            TokenEventType::OnResume => TokenEvent::Resume,
            other => TokenEvent::Other(other.as_str().to_owned()),
        }
    }
}

impl From<models::TokenHistoryEntry> for TokenHistoryEntry {
    fn from(entry: models::TokenHistoryEntry) -> Self {
        TokenHistoryEntry {
            flow_node_id: entry.flow_node_id,
            flow_node_instance_id: entry.flow_node_instance_id,
            previous_flow_node_instance_id: entry.previous_flow_node_instance_id,
            event: entry.token_event_type.into(),
            created_at: entry.created_at,
            payload: entry.payload,
        }
    }
}

impl<M: Mode> ProcessControlClient<M> {
    /// The token history of a process instance.
    pub fn token_history(
        &self,
        process_instance_id: impl Into<String>,
    ) -> Request<TokenHistory, M> {
        let id = process_instance_id.into();
        self.request(|client, options| async move {
            let history = wire::correlations::token_history(&client, &id, &options).await?;
            Ok(convert(history))
        })
    }

    /// The token history of the instance of `process_model_id` in a correlation.
    pub fn token_history_in_correlation(
        &self,
        correlation_id: impl Into<String>,
        process_model_id: impl Into<String>,
    ) -> Request<TokenHistory, M> {
        let (correlation_id, model) = (correlation_id.into(), process_model_id.into());
        self.request(|client, options| async move {
            let history = wire::correlations::token_history_in_correlation(
                &client,
                &correlation_id,
                &model,
                &options,
            )
            .await?;
            Ok(convert(history))
        })
    }
}

fn convert(history: models::TokenHistory) -> TokenHistory {
    history
        .into_iter()
        .map(|(node, entries)| (node, entries.into_iter().map(Into::into).collect()))
        .collect()
}
