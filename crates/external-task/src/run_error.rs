//! Why a worker's run ended on its own: the engine answered a fetch in a way that waiting
//! cannot change.

use std::fmt;

use process_engine_transport::Error;

use crate::Stats;

/// Why [`Worker::run`](crate::Worker::run) or [`run_until`](crate::Worker::run_until) ended
/// before it was shut down.
///
/// A worker waits out what can pass (an engine that is down or restarting, answers of 5xx,
/// timeouts: it backs off, logs a warning for each failed fetch and tries again), but ends its
/// run at the first fetch the engine answers in a way that only a change of its configuration
/// can change:
///
/// - the engine has no route for fetching tasks at the base URL (404): a wrong base URL;
/// - the engine refused the worker's identity (401, after the token source was asked for a new
///   token; 403, a claim the identity lacks);
/// - no identity could be had at all (client credentials that the identity server refuses).
///
/// The run stops as a shutdown does: no more fetches, running handlers finish and deliver until
/// the shutdown timeout. The message says what the worker concluded; the transport's error,
/// its [`source()`](std::error::Error::source), says what the engine answered and where.
pub struct RunError {
    inner: Box<Inner>,
}

struct Inner {
    topic: String,
    error: Error,
    stats: Stats,
}

impl RunError {
    pub(crate) fn new(topic: String, error: Error, stats: Stats) -> Self {
        RunError {
            inner: Box::new(Inner {
                topic,
                error,
                stats,
            }),
        }
    }

    /// The topic whose fetch the engine refused (the worker's other topics stopped with it).
    pub fn topic(&self) -> &str {
        &self.inner.topic
    }

    /// The failed fetch: its status, the engine's message, the base URL it went to.
    pub fn transport_error(&self) -> &Error {
        &self.inner.error
    }

    /// The worker's counters when the run ended, running handlers drained.
    pub fn stats(&self) -> Stats {
        self.inner.stats
    }
}

/// Whether a failed fetch says something that waiting cannot change.
///
/// A 404 of `fetch_and_lock`, whose path names nothing that could be missing, can only mean the
/// engine has no such route at this base URL. A 401 reaches the worker only after a token source
/// was asked for a new token (a fixed identity has none to give), a 403 names a claim the
/// identity lacks. A token source whose failure cannot pass (a refused client secret) and a
/// request that cannot be built will fail the same way next time. Anything else (no connection,
/// 5xx, a timeout, an identity server that is down) may pass.
pub(crate) fn cannot_heal(error: &Error) -> bool {
    error.is_not_found()
        || error.is_unauthorized()
        || (error.is_auth() && !error.is_retryable())
        || error.is_request()
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner { topic, error, .. } = &*self.inner;
        f.write_str("the worker stopped: ")?;
        if error.is_not_found() {
            write!(
                f,
                "the engine has no route to fetch the tasks of topic `{topic}` from"
            )?;
            // The transport's message says what to check when the engine's web framework
            // answered; a 404 of a proxy in front of it does not.
            if error.engine_error().is_some_and(|e| !e.is_unknown_route()) {
                f.write_str("; check the base URL")?;
                if let Some(url) = error.base_url() {
                    write!(f, " {url}")?;
                }
            }
            Ok(())
        } else if error.is_unauthorized() {
            write!(
                f,
                "the engine refused the worker's identity for the tasks of topic `{topic}`; \
                 check the identity (its token, client credentials or claims)"
            )
        } else if error.is_auth() {
            write!(
                f,
                "no identity could be had to fetch the tasks of topic `{topic}` with; check the \
                 identity's configuration"
            )
        } else {
            write!(
                f,
                "fetching the tasks of topic `{topic}` cannot succeed by trying again"
            )
        }
    }
}

impl fmt::Debug for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunError")
            .field("topic", &self.inner.topic)
            .field("error", &self.inner.error)
            .field("stats", &self.inner.stats)
            .finish()
    }
}

impl std::error::Error for RunError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.inner.error)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use process_engine_api_types::EngineError;

    use super::*;

    fn answered(status: u16, body: &[u8]) -> Error {
        Error::from_engine_error(EngineError::from_response(status, body))
    }

    #[test]
    fn what_cannot_pass_is_told_from_what_can() {
        let page = b"<!DOCTYPE html><html><body><pre>Cannot POST /x</pre></body></html>";
        for error in [answered(404, page), answered(401, b""), answered(403, b"")] {
            assert!(cannot_heal(&error), "{error:?}");
        }
        for status in [500, 502, 503, 504, 400, 429] {
            assert!(!cannot_heal(&answered(status, b"")), "{status}");
        }
        assert!(!cannot_heal(&Error::from_decode_error(
            process_engine_api_types::operation::decode_json::<u8>(b"x").unwrap_err()
        )));
    }

    #[test]
    fn the_message_says_what_to_check_and_the_answer_is_the_source() {
        let error = RunError::new(
            "work".into(),
            answered(403, b"Access denied"),
            Stats::default(),
        );
        assert_eq!(
            error.to_string(),
            "the worker stopped: the engine refused the worker's identity for the tasks of topic \
             `work`; check the identity (its token, client credentials or claims)"
        );
        assert_eq!(
            error.source().map(ToString::to_string).as_deref(),
            Some("the engine answered 403: Access denied")
        );
        assert_eq!(error.topic(), "work");
        assert_eq!(error.transport_error().status(), Some(403));
    }

    #[test]
    fn run_error_is_send_sync_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<RunError>();
    }
}
