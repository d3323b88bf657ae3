//! Where a connection puts what the stream yields: a bounded buffer that never makes the
//! connection wait. What does not fit is counted, and announced as one
//! [`Missed`](crate::Missed) item as soon as there is room again, before anything newer.

use std::time::SystemTime;

use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::EventsError;
use crate::event::{EngineEvent, Missed};

/// One item of the stream.
pub(crate) type Item = Result<EngineEvent, EventsError>;

/// The sending side of a stream's buffer.
#[derive(Debug)]
pub(crate) struct Outbox {
    items: mpsc::Sender<Item>,
    /// Events were dropped, or the connection lost, since this gap began; announced before
    /// the next item.
    gap: Option<Missed>,
}

impl Outbox {
    pub(crate) fn new(items: mpsc::Sender<Item>) -> Self {
        Outbox { items, gap: None }
    }

    /// Puts an item into the buffer at once, or counts it as dropped: the connection must go
    /// on reading (and answering the heartbeat) however slow the consumer is. While a gap is
    /// being announced, newer items are dropped too, so that none comes before the gap's item.
    pub(crate) fn offer(&mut self, item: Item) {
        if self.gap.is_some() {
            return self.drop_item(item);
        }
        match self.items.try_send(item) {
            Ok(()) | Err(TrySendError::Closed(_)) => {}
            Err(TrySendError::Full(item)) => self.drop_item(item),
        }
    }

    fn drop_item(&mut self, item: Item) {
        match item {
            Ok(_) => {
                let gap = self.gap.get_or_insert_with(|| Missed {
                    since: SystemTime::now(),
                    dropped: 0,
                    reconnected: false,
                });
                gap.dropped += 1;
            }
            Err(error) => {
                tracing::warn!(%error, "the event stream's buffer is full; this error is not delivered");
            }
        }
    }

    /// The connection was lost and is made again: events since `since` may be missing.
    pub(crate) fn reconnected(&mut self, since: SystemTime) {
        let gap = self.gap.get_or_insert(Missed {
            since,
            dropped: 0,
            reconnected: true,
        });
        gap.since = gap.since.min(since);
        gap.reconnected = true;
    }

    /// Whether a gap waits to be announced.
    pub(crate) fn has_gap(&self) -> bool {
        self.gap.is_some()
    }

    /// A sender to wait for room with, for [`announce_gap`](Self::announce_gap).
    pub(crate) fn sender(&self) -> mpsc::Sender<Item> {
        self.items.clone()
    }

    /// Announces the gap in the room `permit` reserved.
    pub(crate) fn announce_gap(&mut self, permit: mpsc::Permit<'_, Item>) {
        if let Some(gap) = self.gap.take() {
            permit.send(Ok(EngineEvent::Missed(gap)));
        }
    }

    /// Resolves once the stream was dropped.
    pub(crate) async fn closed(&self) {
        self.items.closed().await;
    }
}

#[cfg(test)]
mod tests {
    use process_engine_api_types::notifications::{Kind, Notification};
    use serde_json::json;

    use super::*;

    fn event(n: u64) -> Item {
        let notification = Notification::new(n.to_string(), "m", "i", "t", "f", json!(n));
        Ok(EngineEvent::of_kind(Kind::ProcessEnded, notification).unwrap())
    }

    fn correlation(item: &Item) -> String {
        item.as_ref()
            .unwrap()
            .correlation_id()
            .unwrap_or("gap")
            .to_owned()
    }

    #[tokio::test]
    async fn a_full_buffer_drops_and_counts_then_announces_the_gap_before_newer_events() {
        let (tx, mut rx) = mpsc::channel(2);
        let mut outbox = Outbox::new(tx);
        for n in 0..5 {
            outbox.offer(event(n));
        }
        assert!(outbox.has_gap());
        assert_eq!(correlation(&rx.recv().await.unwrap()), "0");
        // Room again, but the gap goes first.
        outbox.offer(event(5));
        let sender = outbox.sender();
        let permit = sender.reserve().await.unwrap();
        outbox.announce_gap(permit);
        assert_eq!(correlation(&rx.recv().await.unwrap()), "1");
        let Ok(EngineEvent::Missed(missed)) = rx.recv().await.unwrap() else {
            panic!("a gap")
        };
        assert_eq!((missed.dropped(), missed.reconnected()), (4, false));
        outbox.offer(event(6));
        assert_eq!(correlation(&rx.recv().await.unwrap()), "6");
    }

    #[tokio::test]
    async fn a_reconnect_is_a_gap_from_when_the_connection_was_last_heard() {
        let (tx, mut rx) = mpsc::channel(4);
        let mut outbox = Outbox::new(tx);
        let heard = SystemTime::UNIX_EPOCH;
        outbox.reconnected(heard);
        let sender = outbox.sender();
        outbox.announce_gap(sender.reserve().await.unwrap());
        let Ok(EngineEvent::Missed(missed)) = rx.recv().await.unwrap() else {
            panic!("a gap")
        };
        assert_eq!(missed.since(), heard);
        assert!(missed.reconnected() && missed.dropped() == 0);
    }
}
