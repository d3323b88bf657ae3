//! The absolute URI of each request, from the configured base URL only.

use http::Uri;
use http::uri::{Authority, Scheme};

use crate::Error;
use crate::error::RequestError;

/// The engine's base URL, split for joining: scheme, host and port, and a path prefix without a
/// trailing slash (`http://host:8000/engine/` gives `/engine`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BaseUri {
    scheme: Scheme,
    authority: Authority,
    prefix: String,
}

impl BaseUri {
    /// Parses an absolute `http` or `https` URL without credentials, query or fragment.
    pub(crate) fn parse(url: &str) -> Result<Self, Error> {
        let invalid = |reason| {
            Error::request(RequestError::BaseUrl {
                reason,
                source: None,
            })
        };
        // `Uri` drops a fragment without a word, and a base URL with one is a mistake.
        if url.contains('#') {
            return Err(invalid("it has a fragment"));
        }
        let uri: Uri = url.parse().map_err(|source| {
            Error::request(RequestError::BaseUrl {
                reason: "not a URL",
                source: Some(source),
            })
        })?;
        let parts = uri.into_parts();
        let scheme = parts.scheme.ok_or_else(|| invalid("it has no scheme"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("the scheme is neither http nor https"));
        }
        let authority = parts.authority.ok_or_else(|| invalid("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(invalid(
                "credentials in the URL are not supported; use a token",
            ));
        }
        let path = parts.path_and_query.as_ref().map_or("", |pq| pq.as_str());
        if path.contains('?') {
            return Err(invalid("it has a query"));
        }
        Ok(BaseUri {
            scheme,
            authority,
            prefix: path.trim_end_matches('/').to_owned(),
        })
    }

    pub(crate) fn is_https(&self) -> bool {
        self.scheme == Scheme::HTTPS
    }

    /// The absolute URI of a request target (path and query). Whatever scheme and host the
    /// request carried are dropped: requests, and their credentials, only go to the base.
    pub(crate) fn join(&self, uri: Uri) -> Result<Uri, Error> {
        let builder = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(self.authority.clone());
        let builder = match uri.into_parts().path_and_query {
            // Without a prefix the target is kept as it was parsed: no copy, no second parse.
            Some(target) if self.prefix.is_empty() => builder.path_and_query(target),
            target => {
                let target = target.as_ref().map_or("/", |pq| pq.as_str());
                builder.path_and_query(format!("{}{target}", self.prefix))
            }
        };
        builder
            .build()
            .map_err(|error| Error::request(RequestError::Build(error)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn join(base: &str, target: &str) -> String {
        BaseUri::parse(base)
            .unwrap()
            .join(target.parse().unwrap())
            .unwrap()
            .to_string()
    }

    #[test]
    fn joins_prefix_and_target() {
        assert_eq!(
            join("http://h:8000", "/api/x?a=1"),
            "http://h:8000/api/x?a=1"
        );
        assert_eq!(join("http://h:8000/", "/api/x"), "http://h:8000/api/x");
        assert_eq!(
            join("http://h:8000/engine", "/api/x"),
            "http://h:8000/engine/api/x"
        );
        assert_eq!(
            join("https://h/engine/v8/", "/api/x"),
            "https://h/engine/v8/api/x"
        );
    }

    #[test]
    fn requests_only_ever_go_to_the_base() {
        assert_eq!(
            join("http://engine:8000", "http://evil.example/api/x"),
            "http://engine:8000/api/x"
        );
    }

    #[test]
    fn refuses_what_is_not_a_base_url() {
        for url in [
            "",
            "engine:8000",
            "/api",
            "ftp://h/",
            "http://u:p@h/",
            "http://h/?q=1",
            "http://h/#top",
            "http://h/engine#top",
            "http://h#top",
            "http://h/#",
            "http://h /",
        ] {
            let error = BaseUri::parse(url).unwrap_err();
            assert!(error.is_request(), "{url}: {error}");
        }
    }
}
