//! An HTTP/1.1 receiver on port 0, in the test process: it records every
//! request's method, target, headers (in order, as written) and raw body
//! bytes (Content-Length or chunked), and answers from a script of statuses
//! (200 once the script runs out). Connections are kept alive.
//!
//! A request is recorded before it is answered, so once the binary under test
//! has exited, every request it saw answered is in `requests()`: nothing to
//! wait for.
//!
//! `always` answers every request alike (with a body of its own), `hanging`
//! never answers (the client's timeout ends each request).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// One request as it arrived.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    /// The first header with this name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.all(name).into_iter().next()
    }

    /// The body parsed as JSON (panics when it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// Every value of this header, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Default)]
struct State {
    script: Vec<u16>,
    /// The status once the script runs out (200 when `None`).
    then: Option<u16>,
    /// The response body (`{"status":N}` when `None`).
    body: Option<String>,
    /// Never answer: hold each connection until the client closes it.
    hang: bool,
    connections: AtomicUsize,
    /// Hold the first `gate` requests until that many are in flight at once.
    gate: usize,
    log: Mutex<Log>,
    arrived: Condvar,
    stopping: AtomicBool,
}

#[derive(Default)]
struct Log {
    requests: Vec<Received>,
    /// Requests seen in all, `take()` or not: the position in the script.
    count: usize,
    in_flight: usize,
    max_in_flight: usize,
}

pub struct Receiver {
    addr: SocketAddr,
    state: Arc<State>,
    accept: Option<JoinHandle<()>>,
}

impl Receiver {
    /// Answers 200 to everything.
    pub fn start() -> Self {
        Self::with(Vec::new(), 0)
    }

    /// Answers the n-th request (in order of arrival) with `statuses[n]`, then 200.
    pub fn scripted(statuses: &[u16]) -> Self {
        Self::with(statuses.to_vec(), 0)
    }

    /// Holds the first `n` requests until all `n` are in flight together (or
    /// 5 s pass), which shows a client really sends `n` at once.
    pub fn gated(n: usize) -> Self {
        Self::with(Vec::new(), n)
    }

    /// Answers every request with `status` and `body`.
    pub fn always(status: u16, body: &str) -> Self {
        Self::from_state(State {
            then: Some(status),
            body: Some(body.to_string()),
            ..State::default()
        })
    }

    /// Reads every request and never answers it.
    pub fn hanging() -> Self {
        Self::from_state(State {
            hang: true,
            ..State::default()
        })
    }

    fn with(script: Vec<u16>, gate: usize) -> Self {
        Self::from_state(State {
            script,
            gate,
            ..State::default()
        })
    }

    fn from_state(state: State) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a port");
        let addr = listener.local_addr().unwrap();
        let state = Arc::new(state);
        let accepting = state.clone();
        let accept = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if accepting.stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                accepting.connections.fetch_add(1, Ordering::SeqCst);
                let state = accepting.clone();
                std::thread::spawn(move || serve(stream, &state));
            }
        });
        Receiver {
            addr,
            state,
            accept: Some(accept),
        }
    }

    /// `http://127.0.0.1:PORT` (no trailing slash).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request so far, in order of arrival.
    pub fn requests(&self) -> Vec<Received> {
        self.state.log.lock().unwrap().requests.clone()
    }

    /// The requests so far, forgetting them (the status script keeps counting).
    pub fn take(&self) -> Vec<Received> {
        let mut log = self.state.log.lock().unwrap();
        std::mem::take(&mut log.requests)
    }

    /// How many connections were accepted (the client's keep-alive shows in it).
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// The most requests that were being handled at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.state.log.lock().unwrap().max_in_flight
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.state.stopping.store(true, Ordering::SeqCst);
        // wake the accept loop so that it sees `stopping`
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

fn serve(stream: TcpStream, state: &State) {
    let Ok(read_half) = stream.try_clone() else { return };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    while let Some(request) = read_request(&mut reader) {
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        let status = {
            let mut log = state.log.lock().unwrap();
            let index = log.count;
            log.count += 1;
            log.requests.push(request);
            log.in_flight += 1;
            log.max_in_flight = log.max_in_flight.max(log.in_flight);
            state.arrived.notify_all();
            if index < state.gate {
                let (held, _) = state
                    .arrived
                    .wait_timeout_while(log, Duration::from_secs(5), |log| log.count < state.gate)
                    .unwrap();
                log = held;
            }
            log.in_flight -= 1;
            state.script.get(index).copied().or(state.then).unwrap_or(200)
        };
        if state.hang {
            // Hold the connection until the client gives up and closes it.
            let mut sink = [0u8; 1024];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
        let body = state.body.clone().unwrap_or_else(|| format!("{{\"status\":{status}}}"));
        let reason = if (200..300).contains(&status) { "OK" } else { "Scripted" };
        let response = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if writer.write_all(response.as_bytes()).is_err() || close {
            return;
        }
    }
}

/// One request, or `None` at the end of the connection (or on garbage).
fn read_request(reader: &mut impl BufRead) -> Option<Received> {
    let line = read_line(reader)?;
    let mut parts = line.splitn(3, ' ');
    let (method, target) = (parts.next()?.to_string(), parts.next()?.to_string());
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_string(), value.trim().to_string()));
    }
    let mut request = Received {
        method,
        target,
        headers,
        body: Vec::new(),
    };
    let chunked = request
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let size = read_line(reader)?;
            let size = usize::from_str_radix(size.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
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
    Some(request)
}

/// A line without its CRLF; `None` at the end of input.
fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            let text = String::from_utf8_lossy(&line);
            Some(text.trim_end_matches(['\r', '\n']).to_string())
        }
    }
}
