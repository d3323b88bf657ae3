//! The pacer: holds back the calls after which the engine moves an instance on, so that the
//! engine's continuations do not overlap (see [`Pacing`](crate::Pacing)).
//!
//! One pacer per client, shared by its clones: a paced call waits for its turn (first come,
//! first served), goes out a gap after the previous paced call was answered, and reports its
//! latency to the [`Controller`], which sets the next gap. The long poll (the worker's fetch)
//! waits for the turn too, but leaves no gap. Other calls that do not move an instance on are
//! never held back, nor boxed, nor timed; the controller learns from their latency too.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use tokio::time::Instant;
use tower::{Layer, Service};

use super::ResponseFuture;
use process_engine_api_types::route::Retry;

use crate::pacing::{Controller, Sample};
use crate::{CallInfo, Error};

/// How long a paced call holds the turn at most: a healthy engine answers a finish or a start
/// in milliseconds; one that takes a second is stalled (SQLite's busy timeout is 1 s) or waits
/// for something else.
const HOLD_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// The pacer a client's clones share.
#[derive(Debug)]
pub(crate) struct Pacer {
    /// The turn of paced calls: whoever holds it is the one paced call in flight; it holds
    /// when the next paced call may go out.
    turn: tokio::sync::Mutex<Instant>,
    controller: Mutex<Controller>,
}

/// Adds the pacer; see the module's documentation. Without a controller (pacing off) every
/// call passes straight through.
#[derive(Debug, Clone)]
pub(crate) struct PacingLayer {
    pacer: Option<Arc<Pacer>>,
}

impl PacingLayer {
    pub(crate) fn new(controller: Option<Controller>) -> Self {
        PacingLayer {
            pacer: controller.map(|controller| {
                Arc::new(Pacer {
                    turn: tokio::sync::Mutex::new(Instant::now()),
                    controller: Mutex::new(controller),
                })
            }),
        }
    }
}

impl<S> Layer<S> for PacingLayer {
    type Service = Paced<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Paced {
            inner,
            pacer: self.pacer.clone(),
        }
    }
}

/// See [`PacingLayer`].
#[derive(Debug, Clone)]
pub(crate) struct Paced<S> {
    inner: S,
    pacer: Option<Arc<Pacer>>,
}

impl<S> Service<Request<Bytes>> for Paced<S>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = PacedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        let (Some(pacer), Some(info)) = (&self.pacer, request.extensions().get::<CallInfo>())
        else {
            return PacedFuture::Direct {
                future: self.inner.call(request),
            };
        };
        let route = info.operation();
        let long_poll = info.retry() == Retry::Never;
        if long_poll && !info.route().moves_instance {
            // The worker's fetch: it locks the tasks it returns (a write), and goes out as soon
            // as a finish frees a slot, right into that finish's continuation, where its write
            // collides as a finish's would. So it waits its turn too; it leaves no gap (it
            // moves nothing on), and holds the turn only briefly (a long poll that waits for
            // tasks locks nothing meanwhile).
            let pacer = Arc::clone(pacer);
            let clone = self.inner.clone();
            let inner = std::mem::replace(&mut self.inner, clone);
            return PacedFuture::Paced {
                future: Box::pin(fetch_in_turn(pacer, inner, request, route)),
            };
        }
        if !info.route().moves_instance {
            // Not held back, but its latency is watched: a call between two paced ones (the
            // worker's fetch between two finishes) waits for the engine's work too.
            return PacedFuture::Watched {
                future: self.inner.call(request),
                sent: Instant::now(),
                route,
                pacer: Arc::clone(pacer),
            };
        }
        // A call that waits on purpose (it overrides the attempt timeout: a start that waits
        // for its instance to end) goes out in its turn but does not hold the turn while it
        // waits: the paced calls it waits for (the worker's finish) must get through, and its
        // latency says nothing about the engine's pace.
        let waits = info.attempt_timeout().is_some();
        let pacer = Arc::clone(pacer);
        // The ready service goes with the call, which calls it when its turn comes; the clone
        // stays for the next call (tower's pattern for services called later).
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        PacedFuture::Paced {
            future: Box::pin(async move {
                let mut turn = pacer.turn.lock().await;
                // No timer when the turn is now: tokio's timers fire on millisecond ticks, so
                // even a sleep until now would cost up to a millisecond per call. The clock is
                // read once for the check and the send when there is no wait (a read is a
                // good part of an unloaded call's pacing).
                let mut sent = Instant::now();
                if *turn > sent {
                    tokio::time::sleep_until(*turn).await;
                    sent = Instant::now();
                }
                // Should the call be dropped unanswered (its deadline), the next one still leaves a
                // gap after this one went out.
                *turn = sent + pacer.gap();
                if waits {
                    drop(turn);
                    return inner.call(request).await;
                }
                let call = inner.call(request);
                tokio::pin!(call);
                let Ok(result) = tokio::time::timeout_at(sent + HOLD_LIMIT, call.as_mut()).await
                else {
                    // Not answered in a second: a stall (SQLite's busy timeout), or a call that
                    // waits for other paced calls (a start with callback type 2 or 3 sent
                    // without an attempt timeout of its own). Either way the turn passes on,
                    // after the stall's gap.
                    *turn = Instant::now() + pacer.observe(route, Sample::Stalled);
                    drop(turn);
                    return call.await;
                };
                let answered = Instant::now();
                let sample = match &result {
                    Ok(_) => Sample::Answered(answered - sent),
                    Err(error) if error.is_timeout() => Sample::Stalled,
                    Err(error) if error.is_status() => Sample::Answered(answered - sent),
                    Err(_) => Sample::Nothing,
                };
                let gap = pacer.observe(route, sample);
                *turn = answered + gap;
                result
            }),
        }
    }
}

/// How long a long poll holds the turn at most: one that finds tasks answers in milliseconds;
/// one still open after this waits for tasks, and locks nothing while it waits.
const LONG_POLL_HOLD: std::time::Duration = std::time::Duration::from_millis(100);

/// Sends a long poll in the turn of the paced calls: after the gap that the previous one left,
/// holding the turn until it is answered or [`LONG_POLL_HOLD`] has passed.
async fn fetch_in_turn<S>(
    pacer: Arc<Pacer>,
    mut inner: S,
    request: Request<Bytes>,
    route: &'static str,
) -> Result<Response<Bytes>, Error>
where
    S: Service<Request<Bytes>, Response = Response<Bytes>, Error = Error>,
{
    let mut turn = pacer.turn.lock().await;
    if *turn > Instant::now() {
        tokio::time::sleep_until(*turn).await;
    }
    let sent = Instant::now();
    let call = inner.call(request);
    tokio::pin!(call);
    let result = match tokio::time::timeout(LONG_POLL_HOLD, call.as_mut()).await {
        Ok(result) => result,
        Err(_elapsed) => {
            *turn = Instant::now();
            drop(turn);
            return call.await;
        }
    };
    if result.is_ok() {
        pacer.observe(route, Sample::LongPoll(sent.elapsed()));
    }
    // The paced call after it goes at once: the fetch started no continuation.
    *turn = Instant::now();
    result
}

impl Pacer {
    fn controller(&self) -> std::sync::MutexGuard<'_, Controller> {
        // The controller's state stays consistent at every step; a panic elsewhere while it
        // was held leaves nothing half-done.
        self.controller
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn gap(&self) -> std::time::Duration {
        self.controller().gap()
    }

    fn observe(&self, route: &'static str, sample: Sample) -> std::time::Duration {
        self.controller().observe(route, sample)
    }
}

pin_project_lite::pin_project! {
    /// The future of a [`Paced`] call: the inner service's own, unboxed, for a call that is
    /// not paced.
    #[project = PacedProjection]
    pub(crate) enum PacedFuture<F> {
        Direct { #[pin] future: F },
        Watched {
            #[pin] future: F,
            sent: Instant,
            route: &'static str,
            pacer: Arc<Pacer>,
        },
        Paced { future: ResponseFuture },
    }
}

impl<F> Future for PacedFuture<F>
where
    F: Future<Output = Result<Response<Bytes>, Error>>,
{
    type Output = Result<Response<Bytes>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            PacedProjection::Direct { future } => future.poll(cx),
            PacedProjection::Watched {
                future,
                sent,
                route,
                pacer,
            } => {
                let result = std::task::ready!(future.poll(cx));
                if result.is_ok() {
                    pacer.observe(route, Sample::Unpaced(sent.elapsed()));
                }
                Poll::Ready(result)
            }
            PacedProjection::Paced { future } => future.as_mut().poll(cx),
        }
    }
}
