//! The wire: the only place that knows the engine's operations and bodies. One module per area;
//! the rest of the crate sees functions taking ids and values, answering the wire DTOs it
//! converts to its own types. A later engine generation (other paths and bodies) is a second set
//! of these modules.

pub(crate) mod correlations;
pub(crate) mod deployment;
pub(crate) mod events;
pub(crate) mod process_models;
pub(crate) mod server;
pub(crate) mod start;
pub(crate) mod tasks;
