//! The dispatch of a call: its absolute URI, its turn in the pacer, its attempts (each with its
//! identity, over a pooled connection) under their time limits with backoff between them, all
//! under the call's deadline. One future per call with one timer, where a stack of a deadline,
//! a pacer, a retry, an attempt-timeout, an auth layer and the connection service would nest a
//! future in each, box three of them, register three timers and copy every request in case it
//! fails.

pub(crate) mod auth;
mod retries;
mod timer;

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use process_engine_api_types::route::Retry;
use tokio::time::Instant;
use tower::Service;

pub(crate) use retries::Retries;

use self::auth::Auth;
use self::timer::{End, Ends, race, wait};
use super::ResponseFuture;
use super::trace::{self, CallSpan, TraceFuture};
use crate::base_uri::BaseUri;
use crate::client::Stack;
use crate::error::Kind;
use crate::hyper_service::HyperService;
use crate::pacing::{Pace, Pacer, Sample, Turn};
use crate::{CallInfo, Error};

/// What every call of a client is dispatched with.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) base: BaseUri,
    /// The client's deadline for a whole call.
    pub(crate) deadline: Duration,
    /// The client's time limit for one attempt.
    pub(crate) attempt_timeout: Duration,
    pub(crate) retries: Retries,
    /// `None` when pacing is off.
    pub(crate) pacer: Option<Pacer>,
    /// The identity of each attempt.
    pub(crate) auth: Auth,
    /// The connections.
    pub(crate) http: HyperService,
}

/// The dispatch as the innermost tower service, below users' layers; see the module's
/// documentation.
#[derive(Debug, Clone)]
pub(crate) struct Dispatch {
    settings: Arc<Settings>,
}

impl Dispatch {
    pub(crate) fn new(settings: Settings) -> Self {
        Dispatch {
            settings: Arc::new(settings),
        }
    }

    /// The client's whole stack when it has no users' layers: the call's span and its dispatch
    /// in one boxed future, where a tower stack would box each.
    pub(crate) fn traced(self) -> Traced {
        Traced(self.settings)
    }
}

impl Service<Request<Bytes>> for Dispatch {
    type Response = Response<Bytes>;
    type Error = Error;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<Bytes>) -> Self::Future {
        Box::pin(dispatch(Arc::clone(&self.settings), request))
    }
}

/// See [`Dispatch::traced`].
pub(crate) struct Traced(Arc<Settings>);

impl Stack for Traced {
    fn call(&self, mut request: Request<Bytes>) -> ResponseFuture {
        let span = trace::span_of(&mut request);
        Box::pin(TraceFuture::new(
            dispatch(Arc::clone(&self.0), request),
            span,
        ))
    }
}

/// Sends `request`: see the module's documentation.
async fn dispatch(
    settings: Arc<Settings>,
    mut request: Request<Bytes>,
) -> Result<Response<Bytes>, Error> {
    let info = request.extensions().get::<CallInfo>().copied();
    let class = info.map_or(Retry::Never, |info| info.retry());
    // Made absolute once: a retry sends the same request again.
    let uri = std::mem::take(request.uri_mut());
    *request.uri_mut() = settings.base.join(uri)?;

    let begun = Instant::now();
    let call_limit = info.map_or(settings.deadline, |info| {
        info.effective_deadline(settings.deadline)
    });
    let attempt_limit = info
        .and_then(|info| info.attempt_timeout())
        .unwrap_or(settings.attempt_timeout);
    // A limit too far away for an instant is no limit (as in `tokio::time::timeout`).
    let mut ends = Ends {
        call: begun.checked_add(call_limit),
        ..Ends::default()
    };
    let mut timer = std::pin::pin!(tokio::time::sleep_until(begun));
    let deadline_passed = || Error::new(Kind::Deadline(call_limit));

    // The pacer's turn, when the call takes one.
    let paced = settings
        .pacer
        .as_ref()
        .zip(info)
        .map(|(pacer, info)| (pacer, Pace::of(&info), info.operation()));
    let mut held: Option<Turn<'_>> = None;
    let mut sent = begun;
    if let Some((pacer, pace, _)) = paced.filter(|(_, pace, _)| *pace != Pace::Watched) {
        let mut turn = match race(timer.as_mut(), &ends, std::pin::pin!(pacer.turn())).await {
            Ok(turn) => turn,
            Err(_) => return Err(deadline_passed()),
        };
        // No timer when the turn is now: the clock is read once for the check and the send.
        sent = Instant::now();
        if *turn > sent {
            ends.wait = Some(*turn);
            if wait(timer.as_mut(), &ends).await != End::Wait {
                return Err(deadline_passed());
            }
            ends.wait = None;
            sent = Instant::now();
        }
        // Should the call be dropped unanswered (its deadline), the next one still leaves a
        // gap after this one went out. A long poll leaves none.
        *turn = if pace == Pace::LongPoll {
            sent
        } else {
            sent + pacer.gap()
        };
        if let Some(hold) = pace.hold() {
            ends.hold = sent.checked_add(hold);
            held = Some(turn);
        }
    }

    let span = request.extensions().get::<CallSpan>().cloned();
    let mut attempts = 0_u32;
    let result = loop {
        let copy = settings.retries.copy(class, &request);
        let attempt = std::pin::pin!(settings.auth.send(&settings.http, request));
        let mut attempt = attempt;
        ends.attempt = if attempts == 0 { sent } else { Instant::now() }.checked_add(attempt_limit);
        let mut outcome = loop {
            match race(timer.as_mut(), &ends, attempt.as_mut()).await {
                Ok(outcome) => break outcome,
                Err(End::Attempt) => break Err(Error::new(Kind::AttemptTimeout(attempt_limit))),
                Err(End::Hold) => pass_turn(&mut held, paced, &mut ends),
                Err(End::Call | End::Wait) => return Err(deadline_passed()),
            }
        };
        ends.attempt = None;
        attempts += 1;
        if let Some(CallSpan(span)) = &span {
            span.record("attempts", attempts);
        }
        let again = match &mut outcome {
            Err(error) => error.take_unsent().or(copy),
            Ok(_) => copy,
        };
        let backoff =
            settings
                .retries
                .backoff(class, attempts, &outcome, again.is_some(), ends.call);
        let (Some(backoff), Some(again)) = (backoff, again) else {
            break outcome;
        };
        ends.wait = Instant::now().checked_add(backoff);
        loop {
            match wait(timer.as_mut(), &ends).await {
                End::Wait => break,
                End::Hold => pass_turn(&mut held, paced, &mut ends),
                End::Attempt | End::Call => return Err(deadline_passed()),
            }
        }
        ends.wait = None;
        request = again;
    };

    if let Some((pacer, pace, route)) = paced {
        learn(pacer, pace, route, held, begun, sent, &result);
    }
    result
}

/// A copy of `request` to send again (a retry, a new token after a `401`): the body is
/// shared, not copied.
fn copy_of(request: &Request<Bytes>) -> Request<Bytes> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.version_mut() = request.version();
    *copy.headers_mut() = request.headers().clone();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// The call held the turn for as long as it may: it passes on. A paced call that has not
/// been answered in that time stalled (SQLite's busy timeout, or a call that waits for other
/// paced calls without an attempt timeout of its own), and the turn passes on after the
/// stall's gap; a long poll that is still open waits for tasks, and locks nothing meanwhile.
fn pass_turn(
    held: &mut Option<Turn<'_>>,
    paced: Option<(&Pacer, Pace, &'static str)>,
    ends: &mut Ends,
) {
    ends.hold = None;
    let (Some(mut turn), Some((pacer, pace, route))) = (held.take(), paced) else {
        return;
    };
    *turn = match pace {
        Pace::LongPoll => Instant::now(),
        _ => Instant::now() + pacer.observe(route, Sample::Stalled),
    };
}

/// Tells the pacer what the call showed of the engine and, if the call still holds the turn,
/// when the next paced call may go out.
fn learn(
    pacer: &Pacer,
    pace: Pace,
    route: &'static str,
    held: Option<Turn<'_>>,
    begun: Instant,
    sent: Instant,
    result: &Result<Response<Bytes>, Error>,
) {
    match (pace, held) {
        (Pace::Watched, _) if result.is_ok() => {
            pacer.observe(route, Sample::Unpaced(begun.elapsed()));
        }
        (Pace::LongPoll, Some(mut turn)) => {
            let answered = Instant::now();
            if result.is_ok() {
                pacer.observe(route, Sample::LongPoll(answered - sent));
            }
            // The paced call after it goes at once: the fetch started no continuation.
            *turn = answered;
        }
        (Pace::Paced, Some(mut turn)) => {
            let answered = Instant::now();
            let sample = match result {
                Ok(_) => Sample::Answered(answered - sent),
                Err(error) if error.is_timeout() => Sample::Stalled,
                Err(error) if error.is_status() => Sample::Answered(answered - sent),
                Err(_) => Sample::Nothing,
            };
            *turn = answered + pacer.observe(route, sample);
        }
        // It passed the turn on already (it waits on purpose, or it stalled).
        _ => {}
    }
}
