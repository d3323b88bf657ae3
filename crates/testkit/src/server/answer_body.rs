//! The body of every answer: its bytes, and the notifications its request held back, which go
//! out once the answer has been handed to the connection.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame, SizeHint};

use crate::notify::{Held, Hub};

/// An answer's body; dropping it (hyper does once the body is written, or the connection is
/// gone) releases the notifications its request held back.
#[derive(Default)]
pub(crate) struct AnswerBody {
    bytes: Full<Bytes>,
    after: Option<(Held, Hub)>,
}

impl AnswerBody {
    /// A body that releases `held` through `hub` when it is done.
    pub(crate) fn releasing(bytes: Full<Bytes>, held: Held, hub: Hub) -> Self {
        AnswerBody {
            bytes,
            after: Some((held, hub)),
        }
    }
}

impl From<Full<Bytes>> for AnswerBody {
    fn from(bytes: Full<Bytes>) -> Self {
        AnswerBody { bytes, after: None }
    }
}

impl Body for AnswerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Pin::new(&mut self.bytes).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.bytes.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.bytes.size_hint()
    }
}

impl Drop for AnswerBody {
    fn drop(&mut self) {
        if let Some((held, hub)) = self.after.take() {
            held.release(&hub);
        }
    }
}
