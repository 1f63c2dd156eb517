//! The connection of one `send --repeat` task to a plain `http://` endpoint:
//! one kept-alive HTTP/1.1 connection (hyper's low-level client), no pool.
//!
//! A load test spends its time in the client's per-request work. A general
//! client (reqwest, used for `https://` and for single sends) clones each
//! request for its own retries, walks redirect and timeout layers and races
//! its pool for a connection; here a task simply owns its connection, so N
//! deliveries go over exactly C connections for about 40% less CPU time per
//! delivery. The outcome is the same `deliver::Attempt`, failures classified
//! alike.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{HOST, HeaderMap, HeaderValue};
use hyper_util::rt::TokioIo;

use crate::deliver::{Attempt, Failure};

/// How much of a response body is kept for display, as `deliver` keeps.
const KEEP_BODY: usize = 64 * 1024;

/// Where a task's connections go: resolved once for the whole run.
#[derive(Debug)]
pub struct Target {
    /// The addresses of the host, or why it has none.
    addrs: Result<Vec<SocketAddr>, Failure>,
    /// `host:port` for a refused connection's message.
    authority: String,
    host: HeaderValue,
    /// The request target: path and query.
    path: hyper::Uri,
}

impl Target {
    /// `None` for a URL this client does not speak (https).
    pub fn new(url: &url::Url) -> Option<Target> {
        if url.scheme() != "http" {
            return None;
        }
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        // Resolved once, before any delivery (blocking is fine here). `url`
        // keeps the brackets of an IPv6 literal; the resolver wants none.
        let addrs = std::net::ToSocketAddrs::to_socket_addrs(&(host.trim_matches(['[', ']']), port))
            .map(|addrs| addrs.collect::<Vec<_>>())
            .ok()
            .filter(|addrs| !addrs.is_empty())
            .ok_or_else(|| Failure::Dns(host.to_string()));
        let header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_string(),
        };
        let path = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        Some(Target {
            addrs,
            authority: format!("{host}:{port}"),
            host: HeaderValue::from_str(&header).ok()?,
            path: path.parse().ok()?,
        })
    }
}

/// One task's connection, opened on first use and again after it closes.
pub struct Wire {
    target: Arc<Target>,
    sender: Option<SendRequest<Full<Bytes>>>,
}

impl Wire {
    pub fn new(target: Arc<Target>) -> Wire {
        Wire { target, sender: None }
    }

    /// One attempt: POST `body` with `headers`, read (the start of) the
    /// response, time it; all within `timeout`, connecting included.
    pub async fn attempt(&mut self, headers: &HeaderMap, body: Bytes, timeout: Duration, number: usize) -> Attempt {
        let started = Instant::now();
        let outcome = match tokio::time::timeout(timeout, self.exchange(headers, body)).await {
            Ok(outcome) => outcome,
            Err(_) => {
                // The connection is mid-request: it cannot be reused.
                self.sender = None;
                Err(Failure::Timeout(timeout))
            }
        };
        let mut attempt = Attempt {
            number,
            status: None,
            latency: started.elapsed(),
            failure: None,
            body: Bytes::new(),
            body_len: 0,
        };
        match outcome {
            Ok((status, body, body_len, failure)) => {
                attempt.status = Some(status);
                attempt.body = body;
                attempt.body_len = body_len;
                attempt.failure = failure;
            }
            Err(failure) => attempt.failure = Some(failure),
        }
        attempt
    }

    /// The status, the kept body, its full length, and a failure while reading it.
    async fn exchange(
        &mut self,
        headers: &HeaderMap,
        body: Bytes,
    ) -> Result<(u16, Bytes, usize, Option<Failure>), Failure> {
        let reused = self.sender.as_ref().is_some_and(|s| !s.is_closed());
        let mut sender = match self.sender.take() {
            Some(sender) if reused => sender,
            _ => self.connect().await?,
        };
        let request = self.request(headers, body.clone());
        let response = match ready_and_send(&mut sender, request).await {
            // A kept-alive connection the server closed before taking the
            // request: it was not sent, so sending it on a new one is safe.
            Err(e) if reused && (e.is_canceled() || e.is_closed()) => {
                sender = self.connect().await?;
                ready_and_send(&mut sender, self.request(headers, body))
                    .await
                    .map_err(other)?
            }
            result => result.map_err(other)?,
        };
        let status = response.status().as_u16();
        let mut incoming = response.into_body();
        let (mut kept, mut body_len, mut failure) = (Vec::new(), 0, None);
        while let Some(frame) = incoming.frame().await {
            match frame {
                Ok(frame) => {
                    if let Some(chunk) = frame.data_ref() {
                        body_len += chunk.len();
                        let room = KEEP_BODY.saturating_sub(kept.len());
                        kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    }
                }
                Err(e) => {
                    failure = Some(other(e));
                    break;
                }
            }
        }
        if failure.is_none() {
            self.sender = Some(sender);
        }
        Ok((status, Bytes::from(kept), body_len, failure))
    }

    fn request(&self, headers: &HeaderMap, body: Bytes) -> hyper::Request<Full<Bytes>> {
        let mut request = hyper::Request::new(Full::new(body));
        *request.method_mut() = hyper::Method::POST;
        *request.uri_mut() = self.target.path.clone();
        let map = request.headers_mut();
        map.reserve(headers.len() + 1);
        map.insert(HOST, self.target.host.clone());
        for (name, value) in headers {
            map.append(name, value.clone());
        }
        request
    }

    async fn connect(&self) -> Result<SendRequest<Full<Bytes>>, Failure> {
        let addrs = self.target.addrs.as_ref().map_err(Clone::clone)?;
        let stream = tokio::net::TcpStream::connect(addrs.as_slice())
            .await
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::ConnectionRefused => Failure::Refused(self.target.authority.clone()),
                _ => Failure::Other(format!("cannot connect to {}: {e}", self.target.authority)),
            })?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(other)?;
        // The connection's I/O runs beside the task, on the same thread.
        tokio::spawn(connection);
        Ok(sender)
    }
}

async fn ready_and_send(
    sender: &mut SendRequest<Full<Bytes>>,
    request: hyper::Request<Full<Bytes>>,
) -> hyper::Result<hyper::Response<hyper::body::Incoming>> {
    sender.ready().await?;
    sender.send_request(request).await
}

fn other(e: hyper::Error) -> Failure {
    Failure::Other(e.to_string())
}
