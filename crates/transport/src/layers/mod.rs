//! The layers of the client's stack, one per module. Outermost first: trace, user, dispatch (the
//! absolute URI, the deadline, the pacer's turn, the attempts with their time limits and
//! backoff), auth (on every attempt); assembled in `ClientBuilder::build`.

pub(crate) mod auth;
pub(crate) mod dispatch;
pub(crate) mod trace;
pub(crate) mod user;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Response;

use crate::Error;

/// A boxed answer: what a layer returns when its work needs an `async` block of its own (a
/// token source to ask, a turn to wait for), and the innermost service's future.
pub(crate) type ResponseFuture =
    Pin<Box<dyn Future<Output = Result<Response<Bytes>, Error>> + Send + 'static>>;

pin_project_lite::pin_project! {
    /// One of two futures with the same output, unboxed: a layer that passes most calls
    /// straight through returns its inner service's future as it is, and boxes only the rest.
    /// Every call goes through each layer, so a box per layer and call adds up.
    #[project = EitherProjection]
    pub(crate) enum Either<A, B> {
        Inner { #[pin] future: A },
        Own { #[pin] future: B },
    }
}

impl<A, B> Either<A, B> {
    pub(crate) fn inner(future: A) -> Self {
        Either::Inner { future }
    }

    pub(crate) fn own(future: B) -> Self {
        Either::Own { future }
    }
}

impl<A, B, T> Future for Either<A, B>
where
    A: Future<Output = T>,
    B: Future<Output = T>,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.project() {
            EitherProjection::Inner { future } => future.poll(cx),
            EitherProjection::Own { future } => future.poll(cx),
        }
    }
}
