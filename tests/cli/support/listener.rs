//! A running `listen` child, a hand-written HTTP/1.1 client to talk to it, and
//! a tiny app to forward to. No sleeping: the child's readiness line on stderr
//! says when and where it listens.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use techrar_hooks::core::record::{Record, parse_line};

use super::{Run, SECRET, Th, assert_file_has_no_secret, assert_no_secret, th};

const READY_WITHIN: Duration = Duration::from_secs(30);

/// `listen --port 0 --log DIR/events.jsonl ARGS…` with the test secret in the environment.
pub fn listen(dir: &Path, args: &[&str]) -> Listener {
    let log = dir.join("events.jsonl");
    th(["listen", "--port", "0", "--log"])
        .arg(&log)
        .args(args)
        .env("TECHRAR_WEBHOOK_SECRET", SECRET)
        .spawn_listener(Some(log))
}

impl Th {
    pub fn args(mut self, args: &[&str]) -> Self {
        self.cmd.args(args);
        self
    }

    /// Starts the command and waits for its readiness line.
    pub fn spawn_listener(self, log: Option<PathBuf>) -> Listener {
        self.spawn_with(log, true)
    }

    /// Like `spawn_listener`, with stdout closed at once (as `| head` does).
    pub fn spawn_listener_stdout_closed(self, log: Option<PathBuf>) -> Listener {
        self.spawn_with(log, false)
    }

    fn spawn_with(mut self, log: Option<PathBuf>, keep_stdout: bool) -> Listener {
        self.cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = self.cmd.spawn().expect("the binary starts");
        let stdout = child.stdout.take().unwrap();
        let stdout = if keep_stdout {
            collect(stdout, None)
        } else {
            drop(stdout);
            collect(std::io::empty(), None)
        };
        let (ready_tx, ready_rx) = mpsc::channel();
        let stderr = collect(child.stderr.take().unwrap(), Some(ready_tx));
        let mut listener = Listener {
            child: Some(child),
            addr: "127.0.0.1:0".parse().unwrap(),
            url: String::new(),
            log,
            stdout,
            stderr,
        };
        match ready_rx.recv_timeout(READY_WITHIN) {
            Ok(url) => {
                listener.addr = url.trim_start_matches("http://").parse().expect("an address");
                listener.url = url;
            }
            Err(_) => {
                let run = listener.stop();
                panic!("listen never became ready (exit {}):\n{}", run.code, run.stderr);
            }
        }
        listener
    }
}

/// Reads a pipe to the end into a shared string; sends the URL of the first
/// `http://…` readiness line when asked to.
fn collect(pipe: impl Read + Send + 'static, ready: Option<mpsc::Sender<String>>) -> Collected {
    let text = Arc::new(Mutex::new(String::new()));
    let shared = Arc::clone(&text);
    let thread = std::thread::spawn(move || {
        let mut reader = BufReader::new(pipe);
        let mut line = Vec::new();
        let mut ready = ready;
        while reader.read_until(b'\n', &mut line).unwrap_or(0) > 0 {
            let text = String::from_utf8_lossy(&line).into_owned();
            if let Some(at) = text.find("listening on http://")
                && let Some(tx) = ready.take()
            {
                let url: String = text[at + "listening on ".len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                let _ = tx.send(url);
            }
            shared.lock().unwrap().push_str(&text);
            line.clear();
        }
    });
    Collected {
        text,
        thread: Some(thread),
    }
}

struct Collected {
    text: Arc<Mutex<String>>,
    thread: Option<JoinHandle<()>>,
}

impl Collected {
    fn now(&self) -> String {
        self.text.lock().unwrap().clone()
    }

    fn finish(&mut self) -> String {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        self.now()
    }
}

/// A running `listen`; killed when dropped, stopped cleanly by `stop`.
pub struct Listener {
    child: Option<Child>,
    pub addr: SocketAddr,
    pub url: String,
    pub log: Option<PathBuf>,
    stdout: Collected,
    stderr: Collected,
}

impl Listener {
    pub fn post(&self, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
        post(self.addr, path, headers, body)
    }

    /// POSTs `body` signed with the test secret.
    pub fn deliver(&self, path: &str, body: &[u8]) -> Reply {
        let signature = super::sign(SECRET, body);
        self.post(path, &[("X-Signature", &signature)], body)
    }

    pub fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .args([&format!("-{name}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits (up to 30 s) until the output so far contains `needle`.
    #[track_caller]
    pub fn wait_for(&self, needle: &str) {
        let deadline = Instant::now() + READY_WITHIN;
        while !self.stdout.now().contains(needle) && !self.stderr.now().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in the output:\n{}\n{}",
                self.stdout.now(),
                self.stderr.now()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGTERM, then the whole run; checks the output and the log for secrets.
    pub fn stop(self) -> Run {
        if self.child.is_some() {
            let _ = std::process::Command::new("kill")
                .args(["-TERM", &self.pid().to_string()])
                .status();
        }
        self.wait()
    }

    /// Waits for the process to end by itself.
    pub fn wait(mut self) -> Run {
        let status = self.child.take().map(|mut child| child.wait().unwrap());
        let run = Run {
            code: status.and_then(|s| s.code()).unwrap_or(-1),
            stdout: self.stdout.finish(),
            stderr: self.stderr.finish(),
        };
        assert_no_secret(&run.stdout, "stdout");
        assert_no_secret(&run.stderr, "stderr");
        assert!(!run.stderr.contains("panicked"), "the binary panicked:\n{}", run.stderr);
        if let Some(log) = self.log.as_ref().filter(|log| log.exists()) {
            assert_file_has_no_secret(log);
        }
        run
    }

    /// Every line of the log, parsed; panics on a line that does not parse.
    pub fn records(&self) -> Vec<Record> {
        read_log(self.log.as_ref().expect("a log"))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub fn read_log(path: &Path) -> Vec<Record> {
    let bytes = std::fs::read(path).unwrap();
    bytes
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .map(|line| parse_line(line).unwrap_or_else(|e| panic!("{e:?}: {}", String::from_utf8_lossy(line))))
        .collect()
}

/// A response, as read off the wire.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The record id our JSON answer names.
    pub fn id(&self) -> u64 {
        self.json()["id"].as_u64().expect("an id")
    }
}

/// A POST with `Content-Length`, on a fresh connection.
pub fn post(addr: SocketAddr, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body);
    exchange(addr, &raw)
}

/// Sends raw request bytes (one request, without `Connection`) and reads the response.
pub fn exchange(addr: SocketAddr, raw: &[u8]) -> Reply {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let (head, body) = split_head(raw);
    let mut request = head.replacen("\r\n", "\r\nConnection: close\r\n", 1).into_bytes();
    request.extend_from_slice(body);
    // The server may answer (413) before reading everything; the answer still counts.
    let _ = stream.write_all(&request);
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    parse_reply(&response)
}

fn split_head(raw: &[u8]) -> (String, &[u8]) {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a request head") + 4;
    (String::from_utf8(raw[..end].to_vec()).unwrap(), &raw[end..])
}

fn parse_reply(response: &[u8]) -> Reply {
    assert!(!response.is_empty(), "no response");
    let (head, body) = split_head(response);
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = body.to_vec();
    if let Some(length) = headers.iter().find(|(n, _)| n == "content-length") {
        body.truncate(length.1.parse().unwrap());
    }
    Reply { status, headers, body }
}

/// A port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
