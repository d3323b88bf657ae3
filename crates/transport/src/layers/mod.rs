//! The layers of the client's stack, one per module. Outermost first: trace, user, dispatch (the
//! absolute URI, the deadline, the pacer's turn, the attempts with their identity, time limits
//! and backoff, over the connection pool); assembled in `ClientBuilder::build`.

pub(crate) mod dispatch;
pub(crate) mod trace;
pub(crate) mod user;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::Response;

use crate::Error;

/// A boxed answer: the future of a call through the stack.
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, Error>> + Send + 'static>>;
