//! Starting and steering process instances of the 5Minds ProcessEngine.
//!
//! Not written yet: this crate will hold the process-control client (start by model id and start
//! event with the three callback types, correlation results, process models, user tasks, manual
//! tasks, empty activities, message and signal events, deployment), built on
//! `process-engine-transport` and the wire types of `process-engine-api-types`. Until then it
//! exports nothing; use [`process_engine_transport::Client`] with the routes of
//! [`process_engine_api_types::routes`] directly.
