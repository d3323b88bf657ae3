//! Ctrl-C and SIGTERM, listened for before the tool announces anything.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// A future that resolves on Ctrl-C or SIGTERM, with its handlers already in place: a signal
/// that arrives as soon as the tool has printed that it listens (a URL, a subscription) is
/// caught rather than killing the process.
pub(crate) async fn installed() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    let mut signal: Pin<Box<dyn Future<Output = ()> + Send>> =
        Box::pin(process_engine::shutdown_signal());
    // The library's signal future installs its handlers when first polled.
    let first = std::future::poll_fn(|cx| Poll::Ready(signal.as_mut().poll(cx))).await;
    match first {
        Poll::Ready(()) => Box::pin(std::future::ready(())),
        Poll::Pending => signal,
    }
}
