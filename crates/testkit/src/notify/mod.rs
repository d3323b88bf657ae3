//! What the engine announces as it runs: the notifications 8.0.0 pushes to its socket.io
//! clients (process started, ended, terminated; tasks waiting and finished), and the hook they
//! reach listeners through.
//!
//! The engine's state machine only collects [`Notice`]s where the core publishes its messages
//! (`runtime/flow_node_handler/*`); the [`Hub`] hands them to whoever listens (the socket.io
//! server), or holds them back until the HTTP answer of the request that caused them has gone
//! out, as the real engine's order is ([`Hold`]).

mod hub;
mod notice;

pub(crate) use hub::{Held, Hold, Hub};
pub(crate) use notice::{Notice, Phase};
