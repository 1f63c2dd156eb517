//! An HTTP/1.1 receiver on 127.0.0.1, port 0, for the tests of commands that
//! deliver (`send`, `replay`). It records every request's method, target,
//! headers (in order, as written) and raw body bytes, and answers from a
//! script: a status per request, an optional delay, or no answer at all.
//! Connections are kept alive; each is served by its own thread. Std only.
//!
//! A command's run ends after its last response, and a request is recorded
//! before it is answered, so a test reads `requests()` after `run()` returns
//! without waiting for anything.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    /// 0-based, in order of arrival.
    pub index: usize,
    /// Which connection (0-based, in order of acceptance) carried it.
    pub connection: usize,
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The first header of this name, any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// How to answer one request.
#[derive(Clone, Copy, Debug)]
pub enum Reply {
    Status(u16),
    /// Never answer; hold the connection until the client closes it.
    Hang,
}

/// The answers, in order of arrival; the last one repeats.
#[derive(Clone, Debug)]
pub struct Script {
    pub replies: Vec<Reply>,
    /// Wait this long before each answer.
    pub delay: Duration,
    pub body: Vec<u8>,
}

impl Script {
    pub fn statuses(statuses: &[u16]) -> Script {
        Script {
            replies: statuses.iter().map(|s| Reply::Status(*s)).collect(),
            ..Script::default()
        }
    }

    pub fn hang() -> Script {
        Script {
            replies: vec![Reply::Hang],
            ..Script::default()
        }
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Script {
        self.body = body.into();
        self
    }

    pub fn delay(mut self, delay: Duration) -> Script {
        self.delay = delay;
        self
    }

    fn reply(&self, index: usize) -> Reply {
        self.replies
            .get(index)
            .or(self.replies.last())
            .copied()
            .unwrap_or(Reply::Status(200))
    }
}

impl Default for Script {
    fn default() -> Self {
        Script {
            replies: vec![Reply::Status(200)],
            delay: Duration::ZERO,
            body: br#"{"received":true}"#.to_vec(),
        }
    }
}

struct State {
    script: Script,
    requests: Mutex<Vec<Received>>,
    arrivals: AtomicUsize,
    connections: AtomicUsize,
    stop: AtomicBool,
}

pub struct Receiver {
    addr: SocketAddr,
    state: Arc<State>,
}

impl Receiver {
    /// Answers 200 `{"received":true}` to everything.
    pub fn start() -> Receiver {
        Receiver::with(Script::default())
    }

    pub fn with(script: Script) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(State {
            script,
            requests: Mutex::new(Vec::new()),
            arrivals: AtomicUsize::new(0),
            connections: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        });
        let accepting = Arc::clone(&state);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                let connection = accepting.connections.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&accepting);
                std::thread::spawn(move || serve(stream, connection, &state));
            }
        });
        Receiver { addr, state }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/hooks`.
    pub fn url(&self) -> String {
        format!("http://{}/hooks", self.addr)
    }

    /// The requests received so far, in order of arrival.
    pub fn requests(&self) -> Vec<Received> {
        let mut requests = self.state.requests.lock().unwrap().clone();
        requests.sort_by_key(|r| r.index);
        requests
    }

    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag and ends.
        let _ = TcpStream::connect(self.addr);
    }
}

/// Serves one kept-alive connection until the client closes it.
fn serve(stream: TcpStream, connection: usize, state: &State) {
    let Ok(mut writer) = stream.try_clone() else { return };
    let mut reader = BufReader::new(stream);
    while let Some(request) = read_request(&mut reader, connection, state) {
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let reply = state.script.reply(request.index);
        state.requests.lock().unwrap().push(request);
        match reply {
            Reply::Hang => {
                // Hold the connection open until the client gives up.
                let mut sink = [0u8; 1024];
                while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
            Reply::Status(status) => {
                if !state.script.delay.is_zero() {
                    std::thread::sleep(state.script.delay);
                }
                let mut response = format!(
                    "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    state.script.body.len()
                )
                .into_bytes();
                response.extend_from_slice(&state.script.body);
                if writer.write_all(&response).is_err() {
                    return;
                }
            }
        }
        if close {
            return;
        }
    }
}

fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            while matches!(line.last(), Some(b'\n' | b'\r')) {
                line.pop();
            }
            Some(String::from_utf8_lossy(&line).into_owned())
        }
    }
}

/// One request off the connection; `None` when it closed.
fn read_request(reader: &mut impl BufRead, connection: usize, state: &State) -> Option<Received> {
    let request_line = read_line(reader)?;
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_string();
    let target = parts.next()?.to_string();
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let mut request = Received {
        index: 0,
        connection,
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let size = read_line(reader)?;
            let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
                // trailers, up to the blank line
                while !read_line(reader)?.is_empty() {}
                break;
            }
            let mut chunk = vec![0; size];
            reader.read_exact(&mut chunk).ok()?;
            request.body.extend_from_slice(&chunk);
            read_line(reader)?;
        }
    } else if let Some(length) = request.header("content-length") {
        let mut body = vec![0; length.parse().ok()?];
        reader.read_exact(&mut body).ok()?;
        request.body = body;
    }
    request.index = state.arrivals.fetch_add(1, Ordering::SeqCst);
    Some(request)
}
