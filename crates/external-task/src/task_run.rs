//! One task's life in the worker: run the handler while keeping the lock, then deliver the
//! outcome until the engine acknowledges it or the lock is lost.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use futures_util::FutureExt;
use process_engine_api_types::models;
use process_engine_transport::Error;
use tokio::sync::OwnedSemaphorePermit;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::{Instrument, debug, error, info_span, warn};

use crate::engine_api::{self, Delivery, Report};
use crate::fetch_loop::Topic;
use crate::options::millis;
use crate::stats::bump;
use crate::worker::Worker;
use crate::{ExternalTask, ServiceError, ShutdownTimeoutAction, TaskError};

/// Runs one task to its end. `permit` is the task's slot: it is freed when this future ends or is
/// dropped, whatever happens inside (a panicking handler included).
pub(crate) async fn run(
    worker: Arc<Worker>,
    topic: Arc<Topic>,
    wire: models::ExternalTask,
    permit: OwnedSemaphorePermit,
) {
    let span = info_span!(
        "external_task",
        topic = %topic.name,
        task_id = %wire.id,
        process_instance_id = %wire.process_instance_id,
        correlation_id = %wire.correlation_id,
        worker_id = %worker.worker_id,
    );
    let in_flight = InFlight::new(&worker);
    let abort = worker.abort.clone();
    let cancellation = CancellationToken::new();
    tokio::select! {
        biased;
        () = abort.cancelled() => {
            cancellation.cancel();
            bump(&worker.shared.counters.abandoned);
            warn!(parent: &span, "given up at the shutdown deadline: the task returns to the engine when its lock runs out");
        }
        () = work(&worker, &topic, wire, cancellation.clone()).instrument(span.clone()) => {}
    }
    drop(in_flight);
    drop(permit);
}

/// Counts the task in [`Stats::in_flight`](crate::Stats::in_flight) while it lives.
struct InFlight<'a>(&'a Worker);

impl<'a> InFlight<'a> {
    fn new(worker: &'a Worker) -> Self {
        worker
            .shared
            .counters
            .in_flight
            .fetch_add(1, Ordering::Relaxed);
        InFlight(worker)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0
            .shared
            .counters
            .in_flight
            .fetch_sub(1, Ordering::Relaxed);
    }
}

async fn work(
    worker: &Worker,
    topic: &Topic,
    wire: models::ExternalTask,
    cancellation: CancellationToken,
) {
    let task = ExternalTask::new(wire, cancellation.clone());
    // The call is made inside the future, so that a handler that panics before it returns its
    // future is caught too.
    let handler = AssertUnwindSafe(async { (topic.handler)(task.clone()).await }).catch_unwind();
    let outcome = tokio::select! {
        biased;
        lost = keep_lock(worker, topic, &task) => {
            cancellation.cancel();
            bump(&worker.shared.counters.locks_lost);
            warn!(error = &lost as &dyn std::error::Error, "the lock is lost: the handler is cancelled and its result not reported");
            return;
        }
        // Abandoning at the deadline is the abort in `run`; reporting is done here.
        () = report_at_deadline(worker) => {
            cancellation.cancel();
            Err(TaskError::Service(ServiceError::told(
                "the worker shut down before the handler finished".to_owned(),
            )))
        }
        output = handler => output.unwrap_or_else(|panic| {
            let message = panic_message(panic.as_ref());
            error!(panic = %message, "the handler panicked");
            // In the details: the engine keeps nothing else of a service error.
            Err(TaskError::Service(ServiceError::told(format!(
                "the handler panicked: {message}"
            ))))
        }),
    };
    let report = match outcome {
        Ok(result) => Report::Finish(result),
        Err(error) => Report::Failed(error),
    };
    deliver(worker, task.id(), report).await;
}

/// Resolves at the shutdown deadline if handlers still running then are to be reported.
async fn report_at_deadline(worker: &Worker) {
    match worker.on_timeout {
        ShutdownTimeoutAction::ReportServiceError => worker.deadline.cancelled().await,
        ShutdownTimeoutAction::Abandon => std::future::pending().await,
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    if let Some(message) = panic.downcast_ref::<&str>() {
        (*message).to_owned()
    } else if let Some(message) = panic.downcast_ref::<String>() {
        message.clone()
    } else {
        "a panic without a message".to_owned()
    }
}

/// Whether an answer about a task says the worker no longer has it.
fn lock_gone(error: &Error) -> bool {
    matches!(error.status(), Some(404 | 410 | 423))
}

/// Extends the lock every `extend_lock_timeout` for as long as it is polled (that is, while the
/// handler runs); returns only when the engine says the lock is gone. A failed extension is
/// tried again sooner, with backoff, but never later than the regular schedule.
async fn keep_lock(worker: &Worker, topic: &Topic, task: &ExternalTask) -> Error {
    let every = topic.options.extend_lock_timeout;
    let additional_ms = millis(topic.options.additional_lock_duration).unwrap_or(1);
    let mut next = Instant::now() + every;
    let mut failures = 0_u32;
    loop {
        tokio::time::sleep_until(next).await;
        let result =
            engine_api::extend_lock(&worker.client, task.id(), &worker.worker_id, additional_ms)
                .await;
        match result {
            Ok(()) => {
                failures = 0;
                bump(&worker.shared.counters.lock_extensions);
                next = Instant::now() + every;
            }
            Err(error) if lock_gone(&error) => return error,
            Err(error) => {
                failures = failures.saturating_add(1);
                let retry_in = worker.extend_backoff.delay(failures).min(every);
                warn!(
                    error = &error as &dyn std::error::Error,
                    ?retry_in,
                    "extending the lock failed"
                );
                next = Instant::now() + retry_in;
            }
        }
    }
}

/// How a delivery attempt ended.
enum Answer {
    Delivered,
    /// Delivered by an earlier attempt: a retry met 410.
    DeliveredEarlier,
    LockLost(Error),
    Refused(Error),
    TryAgain(Error),
}

fn sort(result: Result<(), Error>, may_have_arrived: bool) -> Answer {
    let error = match result {
        Ok(()) => return Answer::Delivered,
        Err(error) => error,
    };
    match error.status() {
        Some(410) if may_have_arrived => Answer::DeliveredEarlier,
        Some(404 | 410 | 423) => Answer::LockLost(error),
        // Timeouts and rate limits say nothing about the request.
        Some(408 | 429) => Answer::TryAgain(error),
        Some(400..=499) => Answer::Refused(error),
        Some(_) => Answer::TryAgain(error),
        // No token could be had for now (the identity server is down): nothing was sent.
        None if error.is_auth() && error.is_retryable() => Answer::TryAgain(error),
        None if error.is_request() || error.is_auth() || error.is_decode() => {
            Answer::Refused(error)
        }
        None => Answer::TryAgain(error),
    }
}

/// Sends `report` until the engine acknowledges it or says the lock is gone. Every attempt
/// waits for its turn at the client's [`Gate`](crate::gate::Gate): that paces deliveries and
/// backs all of them off together while the engine fails them.
async fn deliver(worker: &Worker, task_id: &str, report: Report) {
    let counters = &worker.shared.counters;
    let kind = report.kind();
    let delivered_counter = match &report {
        Report::Finish(_) => &counters.completed,
        Report::Failed(TaskError::Bpmn(error)) => {
            debug!(code = %error.code, message = %error.message, "the handler answered a BPMN error");
            &counters.bpmn_errors
        }
        Report::Failed(TaskError::Service(error)) => {
            debug!(message = %error.message, details = %error.details, "the handler answered a service error");
            &counters.service_errors
        }
    };
    let delivery = Delivery::new(task_id, &worker.worker_id, report);
    let mut may_have_arrived = false;
    let mut attempts = 0_u32;
    loop {
        let turn = worker.gate.turn().await;
        if attempts > 0 {
            bump(&counters.deliveries_retried);
        }
        attempts += 1;
        let answer = sort(delivery.send(&worker.client).await, may_have_arrived);
        if matches!(answer, Answer::TryAgain(_)) {
            turn.failure();
        } else {
            turn.success();
        }
        match answer {
            Answer::Delivered => {
                bump(delivered_counter);
                debug!(kind, attempts, "delivered");
                return;
            }
            Answer::DeliveredEarlier => {
                bump(&counters.deliveries_confirmed_by_gone);
                bump(delivered_counter);
                debug!(
                    kind,
                    attempts, "delivered by an earlier attempt: the retry met 410"
                );
                return;
            }
            Answer::LockLost(error) => {
                bump(&counters.locks_lost);
                warn!(
                    kind,
                    error = &error as &dyn std::error::Error,
                    "not delivered: the lock is gone"
                );
                return;
            }
            Answer::Refused(error) => {
                bump(&counters.deliveries_refused);
                error!(
                    kind,
                    error = &error as &dyn std::error::Error,
                    "the engine refused the delivery"
                );
                return;
            }
            Answer::TryAgain(error) => {
                // Only a request that never left cannot have taken effect: one that could not
                // connect, or get a token.
                may_have_arrived |= !(error.is_connect() || error.is_auth());
                debug!(
                    kind,
                    error = &error as &dyn std::error::Error,
                    "delivery failed, trying again"
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use process_engine_api_types::EngineError;

    use super::*;

    fn status(code: u16) -> Result<(), Error> {
        Err(Error::from_engine_error(EngineError::from_response(
            code, b"message",
        )))
    }

    #[test]
    fn a_410_is_delivered_only_after_an_attempt_that_may_have_arrived() {
        assert!(matches!(sort(status(410), true), Answer::DeliveredEarlier));
        assert!(matches!(sort(status(410), false), Answer::LockLost(_)));
        assert!(matches!(sort(Ok(()), false), Answer::Delivered));
    }

    #[test]
    fn answers_about_the_task_end_the_delivery_and_the_rest_are_tried_again() {
        for code in [404, 423] {
            assert!(
                matches!(sort(status(code), true), Answer::LockLost(_)),
                "{code}"
            );
        }
        for code in [400, 401, 403, 413] {
            assert!(
                matches!(sort(status(code), false), Answer::Refused(_)),
                "{code}"
            );
        }
        for code in [408, 429, 500, 502, 503, 504] {
            assert!(
                matches!(sort(status(code), false), Answer::TryAgain(_)),
                "{code}"
            );
        }
    }

    #[test]
    fn a_panic_message_is_kept() {
        let text: Box<dyn Any + Send> = Box::new("boom");
        assert_eq!(panic_message(text.as_ref()), "boom");
        let formatted: Box<dyn Any + Send> = Box::new(format!("boom {}", 2));
        assert_eq!(panic_message(formatted.as_ref()), "boom 2");
        let other: Box<dyn Any + Send> = Box::new(42_u8);
        assert_eq!(panic_message(other.as_ref()), "a panic without a message");
    }
}
