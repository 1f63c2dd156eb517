//! Connections: accept, tell HTTP/1.1 from HTTP/2, serve with hyper, stop
//! gracefully.
//!
//! Our own accept loop rather than `axum::serve`, for one reason: a client
//! must not hold a connection (a socket and a task) by never finishing its
//! request. `axum::serve` gives hyper no timer, so hyper's header-read
//! timeout never fires, and its HTTP/1-or-2 detection waits for the first
//! bytes without a deadline. Here `--read-timeout` bounds both:
//!
//! - the first bytes, which tell HTTP/2's preface from an HTTP/1.1 request
//!   line, and then the rest of an HTTP/1.1 request head, must all arrive
//!   within it, or the connection is closed without an answer (no request
//!   was received, so nothing is logged);
//! - on a kept-alive connection, the next request head gets as long: an idle
//!   connection is closed after it;
//! - an HTTP/2 connection is pinged every `--read-timeout`, and closed when a
//!   ping goes unanswered for as long.
//!
//! A body is bounded the same way in `server::read_body`, answered 408.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::{http1, http2};
use hyper::service::{Service, service_fn};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::{Instant, timeout};

use crate::error::describe_io;
use crate::output::Output;

/// What an HTTP/2 connection starts with (prior knowledge, RFC 9113 §3.4).
const PREFACE: &[u8; 24] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Serves `router` on `listener` until `stop` resolves, then stops accepting,
/// lets the requests in flight finish and returns.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    read_timeout: Duration,
    out: Output,
    stop: impl Future<Output = ()>,
) {
    let graceful = GracefulShutdown::new();
    // Tells the connections still sniffing that we are stopping.
    let (stopping, stopped) = tokio::sync::watch::channel(());
    let mut stop = pin!(stop);
    loop {
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    refused(e, &out).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        // Small answers go out at once instead of waiting on Nagle's algorithm.
        let _ = stream.set_nodelay(true);
        // Taken now, so that stopping waits for this connection too.
        let watcher = graceful.watcher();
        let mut stopped = stopped.clone();
        let router = router.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let sniffed = tokio::select! {
                sniffed = timeout(read_timeout, sniff(stream)) => sniffed,
                // No request yet, so none in flight: nothing to wait for.
                _ = stopped.changed() => return,
            };
            let Ok(Ok((protocol, stream))) = sniffed else {
                return; // closed, or too slow to say anything
            };
            let app = TowerToHyperService::new(router);
            let service = service_fn(move |mut request: hyper::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(remote));
                app.call(request)
            });
            let io = TokioIo::new(stream);
            let _ = match protocol {
                Protocol::Http1 => {
                    // What is left of the time for the first head; every later
                    // head on the connection gets no longer than that either.
                    let left = read_timeout.saturating_sub(started.elapsed());
                    let conn = http1::Builder::new()
                        .timer(TokioTimer::new())
                        .header_read_timeout(left.max(Duration::from_millis(1)))
                        .serve_connection(io, service);
                    watcher.watch(conn).await
                }
                Protocol::Http2 => {
                    // HTTP/2 has no header timeout in hyper; a peer that stops
                    // answering pings is dropped instead, so that it cannot hold
                    // the connection, nor a graceful stop (which waits for a ping).
                    let conn = http2::Builder::new(TokioExecutor::new())
                        .timer(TokioTimer::new())
                        .keep_alive_interval(read_timeout)
                        .keep_alive_timeout(read_timeout)
                        .serve_connection(io, service);
                    watcher.watch(conn).await
                }
            };
        });
    }
    drop(listener);
    let _ = stopping.send(());
    graceful.shutdown().await;
}

/// An accept that failed. A connection reset before we took it concerns only
/// that client; anything else (out of file descriptors) is said, and retried
/// a second later, when connections may have closed.
async fn refused(e: std::io::Error, out: &Output) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(e.kind(), ConnectionAborted | ConnectionRefused | ConnectionReset) {
        return;
    }
    out.warn(&format!(
        "could not accept a connection: {}; trying again in 1s",
        describe_io(&e)
    ));
    tokio::time::sleep(Duration::from_secs(1)).await;
}

enum Protocol {
    Http1,
    Http2,
}

/// Reads the first bytes, as few as tell the protocol: one that differs from
/// HTTP/2's preface means HTTP/1.1 (a request line never starts `PRI * `).
async fn sniff(mut stream: TcpStream) -> std::io::Result<(Protocol, Sniffed)> {
    let mut head = [0u8; PREFACE.len()];
    let mut filled = 0;
    let protocol = loop {
        let n = stream.read(&mut head[filled..]).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        filled += n;
        if head[..filled] != PREFACE[..filled] {
            break Protocol::Http1;
        }
        if filled == PREFACE.len() {
            break Protocol::Http2;
        }
    };
    let sniffed = Sniffed {
        head: head[..filled].to_vec(),
        at: 0,
        stream,
    };
    Ok((protocol, sniffed))
}

/// A stream that first gives back the bytes `sniff` read from it.
struct Sniffed {
    head: Vec<u8>,
    at: usize,
    stream: TcpStream,
}

impl AsyncRead for Sniffed {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        if this.at < this.head.len() {
            let n = (this.head.len() - this.at).min(buf.remaining());
            buf.put_slice(&this.head[this.at..this.at + n]);
            this.at += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Sniffed {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn sniffing_tells_the_protocol_and_gives_every_byte_back() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        for (sent, http2) in [
            (&b"POST / HTTP/1.1\r\n\r\n"[..], false),
            (&b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\nrest"[..], true),
            (&b"PRI / HTTP/1.1\r\n\r\n"[..], false),
        ] {
            let client = tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                let mut stream = TcpStream::connect(addr).await.unwrap();
                // In two pieces, to be read in two.
                stream.write_all(&sent[..2]).await.unwrap();
                stream.flush().await.unwrap();
                tokio::time::sleep(Duration::from_millis(20)).await;
                stream.write_all(&sent[2..]).await.unwrap();
            });
            let (stream, _) = listener.accept().await.unwrap();
            let (protocol, mut sniffed) = sniff(stream).await.unwrap();
            assert_eq!(matches!(protocol, Protocol::Http2), http2);
            client.await.unwrap();
            let mut all = Vec::new();
            sniffed.read_to_end(&mut all).await.unwrap();
            assert_eq!(all, sent);
        }
    }
}
