//! The stream a subscription yields.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::outbox::Item;
use crate::{EngineEvent, EventsError};

/// The engine's events, as [`Events::subscribe`](crate::Events::subscribe) filtered them: a
/// [`Stream`] of `Result<EngineEvent, EventsError>` that reconnects by itself and ends only when
/// it is dropped (or [`close`](Self::close)d), which closes its connection.
///
/// Errors are items, not the end: a reconnect that failed (the stream keeps trying), an event
/// whose payload does not fit its kind. After a reconnect, and after its buffer overflowed, it
/// yields [`EngineEvent::Missed`].
#[derive(Debug)]
pub struct EventStream {
    items: mpsc::Receiver<Item>,
    task: JoinHandle<()>,
}

impl EventStream {
    pub(crate) fn new(items: mpsc::Receiver<Item>, task: JoinHandle<()>) -> Self {
        EventStream { items, task }
    }

    /// The next item; `None` only if the stream's task stopped (it never does while the stream
    /// is held, unless the runtime shuts down).
    pub async fn next(&mut self) -> Option<Result<EngineEvent, EventsError>> {
        self.items.recv().await
    }

    /// Closes the connection (with a close frame) and waits until it is closed.
    pub async fn close(self) {
        let EventStream { items, task } = self;
        drop(items);
        let _ = task.await;
    }
}

impl Stream for EventStream {
    type Item = Result<EngineEvent, EventsError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_recv(cx)
    }
}
