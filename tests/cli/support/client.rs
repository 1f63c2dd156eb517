//! A keep-alive HTTP/1.1 client for the load, crash and hostile-client tests,
//! written by hand so a test controls every byte and every pause, and a look
//! at a process's resident memory.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::time::Duration;

use super::listener::Reply;
use super::{SECRET, sign};

/// How long a test waits for a byte from the listener before it gives up.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// One connection, reused for as many requests as the test likes.
pub struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> std::io::Result<Conn> {
        let stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_nodelay(true)?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok(Conn { stream, reader })
    }

    pub fn send(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.stream.write_all(bytes)
    }

    /// Sends `bytes` in `pieces` writes with `pause` between them: a slow client.
    pub fn send_slowly(&mut self, bytes: &[u8], pieces: usize, pause: Duration) -> std::io::Result<()> {
        let size = bytes.len().div_ceil(pieces.max(1)).max(1);
        for (i, piece) in bytes.chunks(size).enumerate() {
            if i > 0 {
                std::thread::sleep(pause);
            }
            self.stream.write_all(piece)?;
        }
        Ok(())
    }

    /// Reads one whole response (status line, headers, a body of
    /// `Content-Length` bytes). An interim `100 Continue` is skipped.
    pub fn response(&mut self) -> std::io::Result<Reply> {
        loop {
            let reply = self.response_or_interim()?;
            if reply.status != 100 {
                return Ok(reply);
            }
        }
    }

    /// Like `response`, but returns a `100 Continue` too.
    pub fn response_or_interim(&mut self) -> std::io::Result<Reply> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let status = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| std::io::Error::other(format!("not a status line: {line:?}")))?;
        let mut headers = Vec::new();
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(n, _)| n == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap_or(0));
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok(Reply { status, headers, body })
    }

    pub fn request(&mut self, bytes: &[u8]) -> std::io::Result<Reply> {
        self.send(bytes)?;
        self.response()
    }

    /// Whether the listener closed the connection without another byte: end
    /// of file, or a reset. Waits up to `PATIENCE` (then: not closed).
    pub fn closed_by_peer(&mut self) -> bool {
        let mut rest = Vec::new();
        match self.reader.read_to_end(&mut rest) {
            Ok(_) => rest.is_empty(),
            Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
        }
    }

    /// Stops sending (the peer reads end of file) but keeps reading.
    pub fn finish_sending(&self) {
        let _ = self.stream.shutdown(Shutdown::Write);
    }

    pub fn stream(&self) -> &TcpStream {
        &self.stream
    }
}

/// A POST request's bytes, with `Content-Length`.
pub fn post_bytes(path: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    [head.as_bytes(), body].concat()
}

/// A POST of `body` signed with the test secret.
pub fn signed(body: &[u8]) -> Vec<u8> {
    post_bytes("/", &[("X-Signature", &sign(SECRET, body))], body)
}

/// A small envelope carrying `marker` as its object id, so every request of a
/// test is unique and can be found in the log.
pub fn marked(event: &str, marker: &str) -> Vec<u8> {
    format!(r#"{{"app_id":7,"timestamp":1733300000,"event":"{event}","data":{{"id":"{marker}"}}}}"#).into_bytes()
}

/// The resident memory of process `pid`, in KiB (Linux's /proc; `None` elsewhere).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// A small deterministic generator (splitmix64): seeded, so a failing run
/// can be repeated exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `range`.
    pub fn within(&mut self, range: std::ops::Range<u64>) -> u64 {
        range.start + self.next() % (range.end - range.start)
    }
}
