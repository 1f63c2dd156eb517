//! `--forward-to`: pass each request on to the user's app, byte for byte.
//!
//! The app gets the same method, the path and query appended to the URL's
//! path (unless `--forward-exact`), every header but the hop-by-hop ones and
//! Host, and the exact body bytes. One `reqwest::Client` is reused, so
//! connections to the app are kept alive. Proxies from the environment and
//! redirects are ignored: the app is what is being tested.

use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use reqwest::Url;

pub struct Forwarder {
    client: reqwest::Client,
    base: Url,
    exact: bool,
    timeout: Duration,
}

/// The app's answer.
pub struct Answer {
    pub status: u16,
    pub content_type: Option<HeaderValue>,
    pub body: Bytes,
}

/// What forwarding one request came to.
pub struct Forwarded {
    pub url: String,
    pub took: Duration,
    pub result: Result<Answer, Failure>,
}

#[derive(Debug)]
pub enum Failure {
    /// No answer within `--forward-timeout`.
    TimedOut(Duration),
    /// The app could not be reached, or broke the connection.
    Unreachable(String),
}

impl Failure {
    pub fn describe(&self) -> String {
        match self {
            Failure::TimedOut(after) => format!("timed out after {}", humantime::format_duration(*after)),
            Failure::Unreachable(why) => why.clone(),
        }
    }
}

/// Headers that belong to one connection, not to the request (RFC 9110 §7.6.1),
/// plus those the forwarding request sets itself.
const NOT_FORWARDED: [&str; 12] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
    "expect",
];

impl Forwarder {
    /// Checks `url` (http or https, with a host) and builds the client.
    pub fn new(url: &str, exact: bool, timeout: Duration) -> Result<Forwarder, String> {
        let base = Url::parse(url).map_err(|e| format!("'{url}' is not a URL: {e}"))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(format!("'{url}' is not an http:// or https:// URL"));
        }
        if base.fragment().is_some() {
            return Err(format!("'{url}' has a #fragment, which is never sent"));
        }
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .tcp_nodelay(true)
            .build()
            .map_err(|e| format!("cannot set up forwarding: {e}"))?;
        Ok(Forwarder {
            client,
            base,
            exact,
            timeout,
        })
    }

    /// Where a request to `path?query` goes.
    pub fn target(&self, path: &str, query: Option<&str>) -> Url {
        let mut url = self.base.clone();
        if self.exact {
            return url;
        }
        let joined = format!("{}{path}", url.path().trim_end_matches('/'));
        url.set_path(&joined);
        let query = match (self.base.query(), query) {
            (Some(a), Some(b)) => Some(format!("{a}&{b}")),
            (a, b) => a.or(b).map(str::to_owned),
        };
        url.set_query(query.as_deref());
        url
    }

    pub async fn send(&self, parts: &Parts, body: Bytes) -> Forwarded {
        let url = self.target(parts.uri.path(), parts.uri.query());
        let shown = url.to_string();
        let started = Instant::now();
        let result = self.exchange(parts, url, body).await;
        Forwarded {
            url: shown,
            took: started.elapsed(),
            result,
        }
    }

    async fn exchange(&self, parts: &Parts, url: Url, body: Bytes) -> Result<Answer, Failure> {
        let response = self
            .client
            .request(parts.method.clone(), url)
            .headers(forwarded_headers(&parts.headers))
            .body(body)
            .send()
            .await
            .map_err(|e| self.failure(&e))?;
        let status = response.status().as_u16();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let body = response.bytes().await.map_err(|e| self.failure(&e))?;
        Ok(Answer {
            status,
            content_type,
            body,
        })
    }

    fn failure(&self, e: &reqwest::Error) -> Failure {
        if e.is_timeout() {
            return Failure::TimedOut(self.timeout);
        }
        // The innermost cause says it best ("Connection refused"), without
        // reqwest's wrapping ("error sending request for url (…)").
        let mut cause: &dyn std::error::Error = e;
        while let Some(source) = cause.source() {
            cause = source;
        }
        let why = match cause.downcast_ref::<std::io::Error>() {
            Some(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
                format!("connection refused: is your app running on {}?", self.authority())
            }
            Some(io) => crate::error::describe_io(io),
            None => cause.to_string(),
        };
        Failure::Unreachable(why)
    }

    fn authority(&self) -> String {
        let host = self.base.host_str().unwrap_or_default();
        match self.base.port_or_known_default() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        }
    }
}

/// The request's headers minus hop-by-hop ones and those named in `Connection`.
fn forwarded_headers(headers: &HeaderMap) -> HeaderMap {
    let named: Vec<String> = headers
        .get_all(header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|name| name.trim().to_ascii_lowercase())
        .collect();
    let mut out = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name_str = name.as_str();
        if !NOT_FORWARDED.contains(&name_str) && !named.iter().any(|n| n == name_str) {
            out.append(name.clone(), value.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarder(url: &str, exact: bool) -> Forwarder {
        Forwarder::new(url, exact, Duration::from_secs(1)).unwrap()
    }

    #[test]
    fn path_and_query_are_appended_unless_exact() {
        let f = forwarder("http://localhost:3000/webhooks", false);
        assert_eq!(
            f.target("/techrar", Some("a=1")).as_str(),
            "http://localhost:3000/webhooks/techrar?a=1"
        );
        assert_eq!(f.target("/", None).as_str(), "http://localhost:3000/webhooks/");
        let f = forwarder("http://localhost:3000/?k=v", false);
        assert_eq!(f.target("/x", Some("a=1")).as_str(), "http://localhost:3000/x?k=v&a=1");
        let f = forwarder("http://localhost:3000/exact", true);
        assert_eq!(f.target("/x", Some("a=1")).as_str(), "http://localhost:3000/exact");
    }

    #[test]
    fn bad_urls_are_refused() {
        for url in ["localhost:3000", "ftp://h/", "http://", "not a url", "http://h/#x"] {
            assert!(Forwarder::new(url, false, Duration::from_secs(1)).is_err(), "{url}");
        }
    }

    #[test]
    fn hop_by_hop_headers_stay_behind() {
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("host", "a"),
            ("connection", "keep-alive, x-private"),
            ("x-private", "1"),
            ("x-signature", "abc"),
            ("transfer-encoding", "chunked"),
            ("x-a", "1"),
            ("x-a", "2"),
        ] {
            headers.append(
                axum::http::HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let out = forwarded_headers(&headers);
        let names: Vec<&str> = out.keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["x-signature", "x-a"]);
        assert_eq!(out.get_all("x-a").iter().count(), 2);
    }
}
