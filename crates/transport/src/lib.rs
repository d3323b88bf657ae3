//! The HTTP transport of the 5Minds ProcessEngine client: a [`Client`] that executes the typed
//! [`operations`](process_engine_api_types::operations) of the engine's API through a tower
//! stack over hyper's HTTP/1 connections.
//!
//! # Quick start
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use process_engine_api_types::operations::GetProcessModelById;
//! use process_engine_transport::{Client, Identity, RequestOptions};
//!
//! # async fn run() -> Result<(), process_engine_transport::Error> {
//! let client = Client::builder("http://localhost:8000")
//!     .identity(Identity::dummy())
//!     .attempt_timeout(Duration::from_secs(10))
//!     .build()?;
//!
//! // One operation per route: its named path parameters, query and body, and the type its
//! // answer decodes to; the per-call options (time limits, identity) apart from it.
//! let op = GetProcessModelById::new("order_process");
//! match client.execute(&op, &RequestOptions::new()).await {
//!     Ok(model) => println!("{} has {} start events", model.id, model.start_events.len()),
//!     Err(error) if error.status() == Some(404) => println!("no such model"),
//!     Err(error) => return Err(error),
//! }
//! # Ok(())
//! # }
//! ```
//!
//! # The stack
//!
//! Every call passes these layers, outermost first:
//!
//! 1. **trace**: one span per call, named `process_engine_call`, with the fields `operation`
//!    (`start_process_instance`), `method`, `path` (the route's template, not the filled path),
//!    `attempts` (for calls that may be retried), and `status` (of the answer) or `error` (the
//!    kind of failure: `connect`, `attempt_timeout`, ...); a failed call also emits a debug
//!    event with the error;
//! 2. the layers added with [`ClientBuilder::layer`], in the order they were added;
//! 3. **deadline**: the overall time limit of the call, every attempt and backoff included
//!    ([`ClientBuilder::deadline`], [`RequestOptions::with_deadline`]; a call whose attempt
//!    timeout override is longer than the client's deadline gets one whole attempt);
//! 4. **retry**: decides whether to send the call again, with backoff and a retry budget
//!    ([`RetryConfig`]);
//! 5. **attempt timeout**: the time limit of one attempt, the whole answer body included
//!    ([`ClientBuilder::attempt_timeout`], [`RequestOptions::with_attempt_timeout`]);
//! 6. **auth**: sets `Authorization: Bearer ...` on every attempt, from the call's own
//!    [identity](RequestOptions::with_identity) if it has one, else from the [`TokenSource`],
//!    asked each time; an attempt the engine answers `401` to a source's token is sent once
//!    more with the source's next token;
//! 7. **base URI**: makes the request's URI absolute from the configured base URL, so
//!    credentials only ever go to that host;
//! 8. the connection pool (keep-alive connections on hyper's HTTP/1, made by hyper-util's
//!    connector): connect timeout (shorter than the attempt timeout), answer size limit ([`ClientBuilder::max_response_size`]), HTTPS (cargo feature
//!    `rustls`).
//!
//! Per-call settings travel in the request's extensions as a [`CallInfo`].
//!
//! # Identities
//!
//! A client calls the engine as one identity ([`ClientBuilder::identity`],
//! [`ClientBuilder::bearer_token`]), as the tokens an OAuth 2.0 identity server grants it
//! ([`ClientBuilder::client_credentials`], the way to deploy; see [`oauth`]), or as whatever
//! its [`TokenSource`] answers before each attempt ([`ClientBuilder::token_source`]). A
//! service that acts for several users, say with each user's JWT on the engine's `own` routes,
//! keeps one client (one connection pool, one retry budget) and gives each call the identity
//! of its user:
//!
//! ```no_run
//! # use process_engine_api_types::operations::GetOwnUserTasks;
//! # use process_engine_transport::{Client, Identity, RequestOptions};
//! # async fn run(client: &Client, jwt: String) -> Result<(), process_engine_transport::Error> {
//! let as_alice = RequestOptions::new().with_identity(Identity::new(jwt, "alice"));
//! let tasks = client.execute(&GetOwnUserTasks::new(), &as_alice).await?;
//! # let _ = tasks;
//! # Ok(())
//! # }
//! ```
//!
//! # Retries
//!
//! A call is only sent again when that is safe for its route's [`Retry`] class:
//!
//! | failure | `Idempotent` | `NotIdempotent` | `Never` |
//! | --- | --- | --- | --- |
//! | could not connect (the request never left) | retried | retried | no |
//! | connection broke, attempt timed out | retried | no | no |
//! | the engine answered 502, 503 or 504 | retried | no | no |
//! | any other answer (4xx, 500) | no | no | no |
//! | an answer longer than [`ClientBuilder::max_response_size`] | no | no | no |
//!
//! Retries wait with exponential backoff and full jitter, stop after
//! [`RetryConfig::max_attempts`] attempts or when the backoff would end after the deadline
//! (the call then ends with the last answer or error), and draw on a retry budget shared by
//! all calls of a client, so that a struggling engine is not flooded with retries. Each retry
//! is logged as a debug event with the status or error kind that caused it.
//!
//! [`Retry`]: process_engine_api_types::route::Retry
//!
//! # HTTPS
//!
//! `https` base URLs need the cargo feature `rustls` (on by default). The client then trusts
//! the webpki roots (Mozilla's root certificates) with rustls' ring provider, passed
//! explicitly: no process-wide provider is installed.
#![cfg_attr(
    feature = "rustls",
    doc = "
To trust a private CA or present a client certificate, hand the client a
[`rustls::ClientConfig`] of your own with [`ClientBuilder::tls_config`], built with the
re-exported [`rustls`] crate."
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod base_uri;
mod builder;
mod call;
#[cfg(test)]
mod capture;
mod client;
mod connection_pool;
mod error;
mod hyper_service;
mod layers;
pub mod oauth;
mod pacing;
mod request_options;
mod retry_config;
mod token_source;
mod upgrade;

use bytes::Bytes;
use tower::util::BoxCloneSyncService;

pub use builder::ClientBuilder;
pub use call::{Call, CallInfo};
pub use client::Client;
pub use error::Error;
pub use oauth::ClientCredentials;
pub use pacing::Pacing;
pub use process_engine_api_types::Identity;
pub use request_options::RequestOptions;
pub use retry_config::RetryConfig;
pub use token_source::TokenSource;
pub use upgrade::Upgraded;

/// The attribute for implementing [`TokenSource`], re-exported so that implementors need no
/// dependency of their own.
#[doc(no_inline)]
pub use async_trait::async_trait;

/// The rustls crate the client's TLS is built on, for [`ClientBuilder::tls_config`]: build the
/// configuration with this re-export so that its version is the one the client uses.
#[cfg(feature = "rustls")]
#[cfg_attr(docsrs, doc(cfg(feature = "rustls")))]
#[doc(no_inline)]
pub use rustls;

/// A boxed error, as token sources and users' layers return them.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The service that users' layers ([`ClientBuilder::layer`]) wrap: it takes a request whose
/// URI is only path and query, with a [`CallInfo`] in its extensions, and yields the whole
/// answer of the engine, whatever its status.
pub type BoxedService = BoxCloneSyncService<http::Request<Bytes>, http::Response<Bytes>, Error>;
