//! What keeps a stream connected: connections made one after the other, with backoff and
//! jitter between failed attempts and no limit on their number, a fresh identity each time, and
//! a [`Missed`](crate::Missed) item after every reconnect.

use std::time::Duration;

use tokio::sync::oneshot;

use crate::EventsError;
use crate::backoff::Backoff;
use crate::connection::{self, Ended, Plan};
use crate::outbox::Outbox;

/// The waits between reconnect attempts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Waits {
    pub(crate) first: Duration,
    pub(crate) max: Duration,
}

/// Runs a stream's connections until the stream is dropped. The outcome of the first attempt
/// goes to `connected`: a stream whose first connection fails is never handed out.
pub(crate) async fn run(
    plan: Plan,
    waits: Waits,
    mut outbox: Outbox,
    connected: oneshot::Sender<Result<(), EventsError>>,
) {
    let mut backoff = Backoff::new(waits.first, waits.max);
    let mut connected = Some(connected);
    // When the lost connection was last heard from.
    let mut lost_since = None;
    // Whether this outage's failure was yielded already: one error item per outage, the rest
    // are logged.
    let mut reported = false;
    loop {
        let attempt = tokio::select! {
            biased;
            () = outbox.closed() => return,
            attempt = connection::open(&plan) => attempt,
        };
        match attempt {
            Ok(connection) => {
                if let Some(connected) = connected.take() {
                    let _ = connected.send(Ok(()));
                }
                if let Some(since) = lost_since.take() {
                    tracing::info!(url = plan.url, "the event stream is connected again");
                    outbox.reconnected(since);
                }
                backoff.reset();
                reported = false;
                match connection.run(&plan, &mut outbox).await {
                    Ended::Dropped => return,
                    Ended::Lost { last_heard, why } => {
                        tracing::warn!(
                            url = plan.url,
                            why,
                            "the event stream lost its connection; reconnecting"
                        );
                        lost_since = Some(last_heard);
                    }
                }
            }
            Err(error) => {
                if let Some(connected) = connected.take() {
                    let _ = connected.send(Err(error));
                    return;
                }
                if reported {
                    tracing::debug!(%error, "reconnecting the event stream failed again");
                } else {
                    reported = true;
                    outbox.offer(Err(error));
                }
            }
        }
        let wait = backoff.next_wait();
        tokio::select! {
            biased;
            () = outbox.closed() => return,
            () = tokio::time::sleep(wait) => {}
        }
    }
}
