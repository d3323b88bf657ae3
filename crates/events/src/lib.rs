//! The notifications of the 5Minds ProcessEngine as a typed stream: instances started, ended
//! and terminated; user tasks, manual tasks and empty activities waiting and finished.
//!
//! ProcessEngine 8.0.0 pushes them over socket.io 2 (Engine.IO 3) at `/socket.io/`. A stream
//! connects through the transport's [`Client`](process_engine_transport::Client), so `https`
//! engines, a private CA and the client's identity or token source work as for the HTTP calls.
//!
//! # Quick start
//!
//! ```no_run
//! use process_engine_events::{EngineEvent, EventFilter, Events, Kind};
//! use process_engine_transport::Client;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::builder("http://localhost:56000").build()?;
//! let events = Events::new(client);
//! let mut stream = events
//!     .subscribe(EventFilter::all().process_model("order_process").mine())
//!     .await?;
//! // Connected: every event from now on reaches the stream. Start instances now.
//! while let Some(item) = stream.next().await {
//!     match item? {
//!         EngineEvent::UserTaskWaiting(task) => {
//!             println!("{} waits in {}", task.flow_node_id, task.correlation_id);
//!         }
//!         EngineEvent::ProcessEnded(end) => println!("{} ended", end.process_instance_id),
//!         EngineEvent::Missed(missed) => {
//!             println!("events may be missing since {:?}: re-read what you need", missed.since());
//!         }
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # What the engine sends, and what the stream makes of it
//!
//! The engine sends each event once, to the sockets connected at that moment, and replays
//! nothing. The stream therefore:
//!
//! - reconnects when the connection drops or the engine restarts, with backoff and jitter and a
//!   fresh identity from the token source each time, and then yields [`EngineEvent::Missed`]
//!   with the moment the lost connection was last heard from;
//! - never lets a slow consumer grow its memory: its buffer is bounded
//!   ([`Events::buffer`]); what does not fit is counted and announced as one
//!   [`EngineEvent::Missed`] once there is room;
//! - yields the engine's global events only: 8.0.0 repeats `process_started` under a name per
//!   process model and the task events on a per-user channel, copies that the stream drops
//!   (use [`EventFilter::process_model`] and [`EventFilter::mine`] instead);
//! - keeps events of a kind it does not know as [`EngineEvent::Unknown`].
//!
//! A failed instance sends no event at all; an instance terminated through the management API
//! sends `process_terminated` irregularly. To wait for an outcome, read the state as well: the
//! waits of [`Events`] (`wait_for_user_task`, `wait_for_end`) subscribe first, read the state
//! once over HTTP, then wait for the event or a periodic re-read, whichever comes first.
//!
//! # The protocol
//!
//! The socket.io framing is the sans-IO module
//! [`process_engine_api_types::socket_io`], the same the stand-in engine serves; its
//! revision is a parameter ([`Events::protocol`]) for the engine generation that speaks
//! Engine.IO 4. The websocket is opened through the transport's connector
//! ([`Client::upgrade`](process_engine_transport::Client::upgrade)) and framed by
//! `tokio-tungstenite`.

mod backoff;
mod connection;
mod error;
mod event;
mod filter;
mod handle;
mod outbox;
mod reconnect;
mod stream;
mod user_id;
mod wait;

pub use error::EventsError;
pub use event::{EngineEvent, Missed, UnknownEvent};
pub use filter::EventFilter;
pub use handle::Events;
pub use process_engine_api_types::notifications::{Kind, Notification};
pub use process_engine_api_types::socket_io::Version;
pub use stream::EventStream;
