//! The builder of the calls that take nothing but their ids: per-call options, then `send`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use process_engine_transport::Client;

use crate::Error;
use crate::mode::{Async, Mode};
use process_engine_transport::{RequestOptions, RequestOptionsBuilder};

type BoxFuture<T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send>>;
pub(crate) type Exec<T> = Box<dyn FnOnce(Client, RequestOptions) -> BoxFuture<T> + Send>;

/// One call of the engine answering `T`: set per-call options
/// ([`RequestOptionsBuilder`]), then `send()`.
///
/// Returned by the methods of [`ProcessControlClient`](crate::ProcessControlClient) that need
/// nothing more than their arguments (lists, reads, terminate, ...).
#[must_use = "a request does nothing until it is sent"]
pub struct Request<T, M: Mode = Async> {
    pub(crate) client: Client,
    pub(crate) options: RequestOptions,
    pub(crate) exec: Exec<T>,
    #[cfg_attr(
        not(feature = "blocking"),
        allow(
            dead_code,
            reason = "only the blocking mode carries something: its runtime"
        )
    )]
    pub(crate) mode: M,
}

impl<T, M: Mode> Request<T, M> {
    pub(crate) fn new<F, Fut>(client: Client, mode: M, exec: F) -> Self
    where
        F: FnOnce(Client, RequestOptions) -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        Request {
            client,
            options: RequestOptions::default(),
            exec: Box::new(move |client, options| Box::pin(exec(client, options))),
            mode,
        }
    }
}

impl<T> Request<T, Async> {
    /// Sends the call and returns its answer.
    pub async fn send(self) -> Result<T, Error> {
        (self.exec)(self.client, self.options).await
    }
}

impl<T, M: Mode> RequestOptionsBuilder for Request<T, M> {
    fn request_options(&mut self) -> &mut RequestOptions {
        &mut self.options
    }
}

impl<T, M: Mode> fmt::Debug for Request<T, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}
