//! A TLS configuration of the user's own: it builds, it is the one the handshake uses, and a
//! failed handshake is a connect error.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use process_engine_transport::rustls::crypto::{
    CryptoProvider, GetRandomFailed, SecureRandom, ring,
};
use process_engine_transport::rustls::{ClientConfig, RootCertStore};
use process_engine_transport::{Call, Client, RetryConfig};
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;

use crate::support::LIST_MODELS;

/// Ring's provider, which rustls 0.23.48 deprecates for its lack of post-quantum key exchange;
/// the transport uses it all the same (see its connector).
#[allow(deprecated)]
fn ring_provider() -> CryptoProvider {
    ring::default_provider()
}

/// Ring's randomness, counting how often it was asked: rustls asks it for the random of every
/// ClientHello, so a count that went up shows whose configuration made the handshake.
#[derive(Debug)]
struct CountingRandom {
    fills: AtomicUsize,
}

static RANDOM: CountingRandom = CountingRandom {
    fills: AtomicUsize::new(0),
};

impl SecureRandom for CountingRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        self.fills.fetch_add(1, Ordering::SeqCst);
        ring_provider().secure_random.fill(buf)
    }
}

/// A configuration that trusts nobody, with the counting randomness.
fn trusting_nobody() -> ClientConfig {
    let provider = CryptoProvider {
        secure_random: &RANDOM,
        ..ring_provider()
    };
    ClientConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(RootCertStore::empty())
        .with_no_client_auth()
}

#[tokio::test]
async fn a_failed_handshake_with_a_custom_config_is_a_connect_error() {
    // Plain TCP: reads the first byte of what the client sends, then hangs up.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        stream.read_u8().await.unwrap()
    });
    let client = Client::builder(&url)
        .tls_config(trusting_nobody())
        .retry(RetryConfig::disabled())
        .build()
        .unwrap();
    let fills = RANDOM.fills.load(Ordering::SeqCst);

    let error = client.send(Call::new(&LIST_MODELS)).await.unwrap_err();

    assert!(error.is_connect(), "the request never left: {error:?}");
    assert_eq!(
        server.await.unwrap(),
        0x16,
        "a TLS handshake record came in"
    );
    assert!(
        RANDOM.fills.load(Ordering::SeqCst) > fills,
        "the handshake used the given configuration"
    );
}

#[test]
fn alpn_protocols_in_the_config_are_no_panic() {
    let mut config = trusting_nobody();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    let client = Client::builder("https://engine.example")
        .tls_config(config)
        .build();

    assert!(client.is_ok(), "{client:?}");
}

#[test]
fn debug_says_only_whether_a_config_is_set() {
    let builder = Client::builder("https://engine.example");
    assert!(
        format!("{builder:?}").contains("tls_config: default"),
        "{builder:?}"
    );

    let builder = builder.tls_config(trusting_nobody());
    let debug = format!("{builder:?}");

    assert!(debug.contains("tls_config: custom"), "{debug}");
    // Nothing of the configuration itself: no provider, roots, resolver or key log.
    for detail in ["ClientConfig", "provider", "resolver", "key_log", "Ring"] {
        assert!(!debug.contains(detail), "{detail} in {debug}");
    }
}
