//! The layers of the client's stack, one per module. Outermost first: trace, user, time_limit
//! (the call's deadline), pacing, retry, time_limit (each attempt's), auth, base_uri (assembled in
//! `ClientBuilder::build`).

pub(crate) mod auth;
pub(crate) mod base_uri;
pub(crate) mod pacing;
pub(crate) mod retry;
pub(crate) mod time_limit;
pub(crate) mod trace;
pub(crate) mod user;

use std::future::Future;
use std::pin::Pin;

use bytes::Bytes;
use http::Response;

use crate::Error;

/// The future of every layer's service.
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, Error>> + Send + 'static>>;
