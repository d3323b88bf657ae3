//! Waiting for what users wait for, without polling busily: a user task of a correlation
//! waiting, an instance ended.
//!
//! The engine's events are fire-and-forget, so each wait subscribes first, then reads the state
//! once over HTTP (what happened before the subscription is there), then waits for an event or
//! a periodic re-read, whichever comes first: an event that was missed (a reconnect, a full
//! buffer) or never sent (a failed instance sends none) costs at most one re-read interval.
//! Reads are the engine's typed operations, executed through the stream's transport client.

use std::future::Future;
use std::time::Duration;

use process_engine_api_types::Operation;
use process_engine_api_types::models::{CorrelationProcessInstance, CorrelationState, UserTask};
use process_engine_api_types::notifications::Kind;
use process_engine_api_types::operations::{
    GetCorrelationByProcessInstanceId, GetUserTasksForCorrelation,
};
use process_engine_transport::RequestOptions;

use crate::error::Kind as ErrorKind;
use crate::{EngineEvent, EventFilter, Events, EventsError};

impl Events {
    /// Waits until a user task waits in `correlation_id` (also one that waited before the
    /// call), and answers it as the engine lists it, form included; the first of several.
    ///
    /// Fails after [`wait_timeout`](Self::wait_timeout) with an [`EventsError::is_timeout`]
    /// error, and when the events cannot be subscribed or a read fails.
    pub async fn wait_for_user_task(&self, correlation_id: &str) -> Result<UserTask, EventsError> {
        let filter = EventFilter::all()
            .kind(Kind::UserTaskWaiting)
            .correlation(correlation_id);
        let read = GetUserTasksForCorrelation::new(correlation_id);
        let what = format!("a user task waiting in the correlation {correlation_id}");
        self.wait(filter, &what, || async {
            let tasks = self.read(&read).await?;
            Ok(tasks.user_tasks.into_iter().next())
        })
        .await
    }

    /// Waits until the process instance `process_instance_id` is no longer running (finished,
    /// failed or terminated; also when it was before the call), and answers its record as its
    /// correlation lists it: state, error, identity. A failed or terminated instance is an
    /// answer, not an error: its state is [`CorrelationState::Error`] and its `error` what the
    /// engine stored, whatever the process threw
    /// ([`CorrelationError`](process_engine_api_types::models::CorrelationError)).
    ///
    /// An instance that fails sends no event: the periodic re-read
    /// ([`reread_every`](Self::reread_every)) is what sees it. An instance the engine does not
    /// show yet is waited for too: 8.0.0 answers a start with callback type 1 before it stores
    /// the instance's correlation. An unknown id therefore ends in the timeout.
    pub async fn wait_for_end(
        &self,
        process_instance_id: &str,
    ) -> Result<CorrelationProcessInstance, EventsError> {
        let filter = EventFilter::all()
            .kinds([Kind::ProcessEnded, Kind::ProcessTerminated])
            .process_instance(process_instance_id);
        let read = GetCorrelationByProcessInstanceId::new(process_instance_id);
        let what = format!("the end of the process instance {process_instance_id}");
        self.wait(filter, &what, || async {
            let Some(correlation) = self.read_stored(&read).await? else {
                return Ok(None);
            };
            Ok(correlation
                .process_instances
                .into_iter()
                .find(|instance| instance.process_instance_id == process_instance_id)
                .filter(|instance| instance.state != CorrelationState::Running))
        })
        .await
    }

    /// Subscribes, reads once, then reads again on each event, gap or interval until `read`
    /// finds something or the wait times out.
    async fn wait<T, F, R>(
        &self,
        filter: EventFilter,
        what: &str,
        read: R,
    ) -> Result<T, EventsError>
    where
        R: Fn() -> F,
        F: Future<Output = Result<Option<T>, EventsError>>,
    {
        let deadline = tokio::time::Instant::now() + self.waits().timeout;
        let mut stream = self.subscribe(filter).await?;
        if let Some(found) = read().await? {
            return Ok(found);
        }
        let every = self.waits().reread_every;
        let mut rereads = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        loop {
            tokio::select! {
                () = tokio::time::sleep_until(deadline) => {
                    return Err(EventsError::new(
                        ErrorKind::WaitTimeout {
                            what: what.to_owned(),
                            after: self.waits().timeout,
                        },
                        &self.url(),
                    ));
                }
                item = stream.next() => match item {
                    Some(Ok(EngineEvent::Missed(_)) | Ok(_)) => {
                        if let Some(found) = self.settle(&read, deadline).await? {
                            return Ok(found);
                        }
                        continue;
                    }
                    // A failed reconnect: the re-reads go on over HTTP meanwhile.
                    Some(Err(error)) => {
                        tracing::debug!(%error, what, "waiting on re-reads while events are down");
                        continue;
                    }
                    None => return Err(EventsError::new(ErrorKind::Stopped, &self.url())),
                },
                _ = rereads.tick() => {}
            }
            if let Some(found) = read().await? {
                return Ok(found);
            }
        }
    }

    /// Reads after an event until the state shows it: 8.0.0 publishes `process_ended` from the
    /// end event's handler, before the instance's final state is stored, so the first read after
    /// it may still see the instance running. A few reads at growing intervals, within the
    /// regular re-read interval and the deadline.
    async fn settle<T, F, R>(
        &self,
        read: &R,
        deadline: tokio::time::Instant,
    ) -> Result<Option<T>, EventsError>
    where
        R: Fn() -> F,
        F: Future<Output = Result<Option<T>, EventsError>>,
    {
        let mut pause = SETTLE_FIRST;
        let mut waited = Duration::ZERO;
        loop {
            if let Some(found) = read().await? {
                return Ok(Some(found));
            }
            if waited + pause > self.waits().reread_every
                || tokio::time::Instant::now() + pause > deadline
            {
                return Ok(None);
            }
            tokio::time::sleep(pause).await;
            waited += pause;
            pause *= 2;
        }
    }

    async fn read<O: Operation>(&self, operation: &O) -> Result<O::Response, EventsError> {
        self.client()
            .execute(operation, &RequestOptions::new())
            .await
            .map_err(|error| EventsError::new(ErrorKind::Read(error), self.client().base_url()))
    }

    /// Reads what the engine may not have stored yet: `None` for its 404. 8.0.0 answers a start
    /// with callback type 1 before it stores the correlation (`process_engine_core`
    /// `runtime/execute_process_service.js`: `start` does not await `_executeProcess`, whose
    /// `saveCorrelation` creates the correlation's entry).
    async fn read_stored<O: Operation>(
        &self,
        operation: &O,
    ) -> Result<Option<O::Response>, EventsError> {
        match self
            .client()
            .execute(operation, &RequestOptions::new())
            .await
        {
            Ok(answer) => Ok(Some(answer)),
            Err(error) if error.is_not_found() => Ok(None),
            Err(error) => Err(EventsError::new(
                ErrorKind::Read(error),
                self.client().base_url(),
            )),
        }
    }
}

/// The first pause between the reads that follow an event (see `Events::settle`).
const SETTLE_FIRST: Duration = Duration::from_millis(25);

/// How long the waits wait, and how often they re-read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WaitSettings {
    pub(crate) timeout: Duration,
    pub(crate) reread_every: Duration,
}

impl Default for WaitSettings {
    fn default() -> Self {
        WaitSettings {
            timeout: Duration::from_secs(300),
            reread_every: Duration::from_secs(5),
        }
    }
}
