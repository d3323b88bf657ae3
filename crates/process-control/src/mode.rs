//! Whether a client's calls are awaited or block the calling thread.

/// How the builders of a [`ProcessControlClient`](crate::ProcessControlClient) send: [`Async`]
/// (`.send().await`), or, with the cargo feature `blocking`, `Blocking` (`.send()` blocks the
/// calling thread). Users do not name it: they pick the client,
/// `ProcessControlClient` or `blocking::ProcessControlClient`.
pub trait Mode: Clone + Send + Sync + 'static + sealed::Sealed {}

/// Calls return futures: `builder.send().await`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Async;

impl Mode for Async {}
impl sealed::Sealed for Async {}

pub(crate) mod sealed {
    /// Only this crate's modes: a builder's `send` exists for each of them.
    pub trait Sealed {}
}
