//! Sending one request exactly as the step describes it — malformed bodies, odd or missing
//! headers included — and timing the answer.
//!
//! Plain HTTP/1.1 over hyper-util's client, a new connection per request, as the recordings were made.
//! The timeout covers the whole exchange, body included.

use std::time::Instant;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderName, HeaderValue};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::request::Request;
use crate::response::{Outcome, Reply};

#[derive(Clone)]
pub(crate) struct HttpClient {
    base_url: String,
    client: Client<HttpConnector, Full<Bytes>>,
}

impl HttpClient {
    /// A client for the engine at `base_url` (`http://host:port`, maybe with a path prefix).
    pub(crate) fn new(base_url: &str) -> Self {
        let client = Client::builder(TokioExecutor::new())
            .pool_max_idle_per_host(0)
            .build_http();
        Self {
            base_url: base_url.trim_end_matches('/').to_owned(),
            client,
        }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    pub(crate) async fn send(&self, request: &Request) -> Outcome {
        let started = Instant::now();
        let exchange = tokio::time::timeout(request.timeout, self.exchange(request)).await;
        let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
        match exchange {
            Ok(Ok((status, content_type, body))) => {
                Outcome::Answered(Reply::new(status, content_type, &body, elapsed_ms))
            }
            Ok(Err(error)) => Outcome::NoAnswer {
                error,
                timed_out: false,
                elapsed_ms,
            },
            Err(_) => Outcome::NoAnswer {
                error: format!("no response within {} ms", request.timeout.as_millis()),
                timed_out: true,
                elapsed_ms,
            },
        }
    }

    /// Status, Content-Type and body, or what went wrong.
    async fn exchange(&self, request: &Request) -> Result<(u16, Option<String>, Bytes), String> {
        let uri = format!("{}{}", self.base_url, request.target());
        let mut builder = http::Request::builder()
            .method(request.method.as_str())
            .uri(uri);
        for (name, value) in &request.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|e| format!("header {name}: {e}"))?;
            let value = HeaderValue::from_bytes(value.as_bytes())
                .map_err(|e| format!("header {name}: {e}"))?;
            builder = builder.header(name, value);
        }
        // As http.client does: a length for every body, and 0 for a POST, PUT or PATCH without.
        let body = request.body.clone().unwrap_or_default();
        if request.body.is_some() || matches!(request.method.as_str(), "POST" | "PUT" | "PATCH") {
            builder = builder.header(CONTENT_LENGTH, body.len());
        }
        let http_request = builder
            .body(Full::new(Bytes::from(body)))
            .map_err(describe)?;
        let response = self.client.request(http_request).await.map_err(describe)?;
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get_all(CONTENT_TYPE)
            .iter()
            .next_back()
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let body = response.into_body().collect().await.map_err(describe)?;
        Ok((status, content_type, body.to_bytes()))
    }
}

/// An error with its causes, e.g. `client error (Connect): tcp connect error: Connection refused`.
fn describe(error: impl std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A server that answers one request with `response` and hands back the request's bytes.
    async fn one_shot_server(response: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut received = Vec::new();
            let mut buf = [0; 4096];
            while !is_complete(&received) {
                let n = socket.read(&mut buf).await.unwrap();
                assert!(n > 0, "the client closed early");
                received.extend_from_slice(&buf[..n]);
            }
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            String::from_utf8(received).unwrap()
        });
        (url, server)
    }

    fn is_complete(request: &[u8]) -> bool {
        let text = String::from_utf8_lossy(request);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return false;
        };
        let length = head
            .lines()
            .filter_map(|line| line.split_once(':'))
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .map_or(0, |(_, value)| value.trim().parse().unwrap());
        body.len() >= length
    }

    fn request(method: &str, headers: &[(&str, &str)], body: Option<&str>) -> Request {
        Request {
            method: method.into(),
            path: "/api/x".into(),
            query: vec![("a".into(), "1 2".into())],
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).into(), (*v).into()))
                .collect(),
            body: body.map(|b| b.as_bytes().to_vec()),
            timeout: Duration::from_secs(5),
        }
    }

    #[tokio::test]
    async fn the_request_goes_out_as_described_and_the_answer_is_decoded() {
        let (url, server) = one_shot_server(
            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Length: 28\r\n\r\nUnexpected end of JSON input",
        )
        .await;
        let client = HttpClient::new(&format!("{url}/"));
        let sent = request(
            "POST",
            &[("Content-Type", "application/json")],
            Some("{\"a\": "),
        );
        let outcome = client.send(&sent).await;
        let received = server.await.unwrap();
        assert!(
            received.starts_with("POST /api/x?a=1+2 HTTP/1.1\r\n"),
            "{received}"
        );
        assert!(
            received
                .to_lowercase()
                .contains("\r\ncontent-length: 6\r\n"),
            "{received}"
        );
        assert!(
            !received.to_lowercase().contains("authorization"),
            "{received}"
        );
        assert!(received.ends_with("\r\n\r\n{\"a\": "), "{received}");
        let reply = outcome.reply().unwrap();
        assert_eq!(reply.status, 500);
        assert_eq!(
            reply.content_type.as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(reply.body, "Unexpected end of JSON input".into());
    }

    #[tokio::test]
    async fn a_post_without_body_says_so_and_an_empty_answer_is_empty() {
        let (url, server) = one_shot_server("HTTP/1.1 204 No Content\r\n\r\n").await;
        let sent = request("POST", &[("Authorization", "")], None);
        let outcome = HttpClient::new(&url).send(&sent).await;
        let received = server.await.unwrap().to_lowercase();
        assert!(received.contains("\r\ncontent-length: 0\r\n"), "{received}");
        assert!(received.contains("\r\nauthorization: \r\n"), "{received}");
        let reply = outcome.reply().unwrap();
        assert_eq!((reply.status, reply.content_type.as_deref()), (204, None));
        assert_eq!(reply.body, "".into());
    }

    #[tokio::test]
    async fn an_unanswered_request_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let silent = tokio::spawn(async move {
            let (socket, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(5)).await;
            drop(socket);
        });
        let mut sent = request("GET", &[], None);
        sent.timeout = Duration::from_millis(200);
        let outcome = HttpClient::new(&url).send(&sent).await;
        silent.abort();
        let Outcome::NoAnswer {
            error,
            timed_out,
            elapsed_ms,
        } = outcome
        else {
            panic!("answered: {outcome:?}");
        };
        assert!(timed_out);
        assert_eq!(error, "no response within 200 ms");
        assert!(elapsed_ms >= 200.0);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_failed_request() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        drop(listener);
        let outcome = HttpClient::new(&url).send(&request("GET", &[], None)).await;
        assert!(
            matches!(
                outcome,
                Outcome::NoAnswer {
                    timed_out: false,
                    ..
                }
            ),
            "{outcome:?}"
        );
    }
}
