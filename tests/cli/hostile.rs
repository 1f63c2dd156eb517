//! Hostile clients: malformed, slow, huge or unfinished requests, written by
//! hand on a raw socket. Each test checks that `listen` keeps serving a normal
//! signed delivery afterwards (and meanwhile, for the slow ones), and what, if
//! anything, the bad request left in the log.

use std::io::Write;
use std::time::{Duration, Instant};

use techrar_hooks::core::record::Record;

use crate::support::client::{Conn, marked, post_bytes, rss_kib, signed};
use crate::support::listener::{Listener, listen, read_log};
use crate::support::{Dir, SECRET, sign};

/// Short enough for a quick test, long enough that a loaded machine still
/// sends a normal request within it.
const READ_TIMEOUT: &str = "700ms";
const READ_TIMEOUT_MS: u64 = 700;

fn start(dir: &Dir) -> Listener {
    listen(
        dir.path(),
        &["--read-timeout", READ_TIMEOUT, "--max-body", "64KiB", "--print", "full"],
    )
}

/// A normal signed delivery on a fresh connection: answered 200. Returns its id.
#[track_caller]
fn serves(server: &Listener, marker: &str) -> u64 {
    let reply = Conn::open(server.addr)
        .unwrap()
        .request(&signed(&marked("hostile.check", marker)))
        .unwrap();
    assert_eq!(reply.status, 200, "{}", String::from_utf8_lossy(&reply.body));
    reply.id()
}

/// Stops the listener cleanly and returns its log.
fn stop(server: Listener, dir: &Dir) -> Vec<Record> {
    server.stop().code(0);
    read_log(&dir.path().join("events.jsonl"))
}

fn markers(records: &[Record]) -> Vec<String> {
    records
        .iter()
        .filter(|r| r.event.as_deref() == Some("hostile.check"))
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body_bytes()).unwrap();
            body["data"]["id"].as_str().unwrap().to_string()
        })
        .collect()
}

/// The head of a signed POST of `body` (declared `length` bytes long), without the body.
fn head(body: &[u8], length: usize, extra: &str) -> Vec<u8> {
    format!(
        "POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Signature: {}\r\nContent-Length: {length}\r\n{extra}\r\n",
        sign(SECRET, body)
    )
    .into_bytes()
}

#[test]
fn slowloris_connections_are_closed_after_the_read_timeout() {
    let dir = Dir::new();
    let server = start(&dir);
    let started = Instant::now();
    // Nothing at all; one byte (not even enough to tell HTTP/1 from HTTP/2);
    // half a request line; a head that never ends, one header at a time.
    let mut silent = Conn::open(server.addr).unwrap();
    let mut one_byte = Conn::open(server.addr).unwrap();
    one_byte.send(b"P").unwrap();
    let mut half_line = Conn::open(server.addr).unwrap();
    half_line.send(b"POST /hooks HT").unwrap();
    let mut dribble = Conn::open(server.addr).unwrap();
    dribble.send(b"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    let mut writer = dribble.stream().try_clone().unwrap();
    let dribbler = std::thread::spawn(move || {
        // Fast enough that no gap between two bytes reaches the timeout.
        for i in 0.. {
            if writer.write_all(format!("X-Slow-{i}: .\r\n").as_bytes()).is_err() {
                return i;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        unreachable!()
    });

    // Meanwhile, deliveries get through.
    assert_eq!(serves(&server, "during"), 1);

    for (what, conn) in [
        ("a silent connection", &mut silent),
        ("one byte", &mut one_byte),
        ("half a request line", &mut half_line),
        ("a head that never ends", &mut dribble),
    ] {
        assert!(conn.closed_by_peer(), "{what} is closed");
        assert!(
            started.elapsed() >= Duration::from_millis(READ_TIMEOUT_MS),
            "{what} was closed before --read-timeout"
        );
    }
    assert!(
        dribbler.join().unwrap() > 3,
        "the dribbling client sent headers for a while"
    );

    // A keep-alive connection idle after its request is closed the same way.
    let mut idle = Conn::open(server.addr).unwrap();
    let reply = idle.request(&signed(&marked("hostile.check", "idle"))).unwrap();
    assert_eq!(reply.status, 200);
    assert!(idle.closed_by_peer(), "an idle keep-alive connection is closed");

    assert_eq!(serves(&server, "after"), 3);
    let records = stop(server, &dir);
    assert_eq!(markers(&records), ["during", "idle", "after"], "nothing else is logged");
}

#[test]
fn a_silent_connection_does_not_hold_up_a_stop() {
    let dir = Dir::new();
    // The default --read-timeout (10 s): stopping must not wait for it.
    let server = listen(dir.path(), &[]);
    // (One that has sent part of a request is a request in flight: a stop
    // waits for it, up to --read-timeout.)
    let silent = Conn::open(server.addr).unwrap();
    assert_eq!(serves(&server, "before"), 1);
    let started = Instant::now();
    let run = server.stop();
    run.code(0).stderr_has("stopped: 1 request");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[test]
fn a_body_cut_off_by_a_closed_connection_is_logged_as_rejected_never_acknowledged() {
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.cut", "cut");
    let mut conn = Conn::open(server.addr).unwrap();
    conn.send(&head(&body, body.len(), "Expect: 100-continue\r\n")).unwrap();
    // The 100 says the listener is reading the body: the request is in its hands.
    assert_eq!(conn.response_or_interim().unwrap().status, 100);
    conn.send(&body[..body.len() / 2]).unwrap();
    drop(conn);

    // (Which of the two is logged first is a race: ids are not compared.)
    serves(&server, "after");
    let records = stop(server, &dir);
    assert_eq!(records.len(), 2);
    let cut = records
        .iter()
        .find(|r| r.rejected.is_some())
        .expect("the cut request is logged");
    assert!(cut.rejected.as_deref().unwrap().contains("ended early"), "{cut:?}");
    assert_eq!((cut.response_status, cut.signature.as_str()), (Some(400), "unchecked"));
    assert!(
        cut.body.is_none() && cut.body_base64.is_none(),
        "half a body is not kept"
    );
}

#[test]
fn a_content_length_longer_than_the_body_gets_400() {
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.short", "short");
    let mut conn = Conn::open(server.addr).unwrap();
    conn.send(&[head(&body, body.len() + 100, ""), body.clone()].concat())
        .unwrap();
    conn.finish_sending();
    let reply = conn.response().unwrap();
    assert_eq!(reply.status, 400);
    assert!(reply.json()["reason"].as_str().unwrap().contains("ended early"));
    assert!(conn.closed_by_peer());

    assert_eq!(serves(&server, "after"), 2);
    let records = stop(server, &dir);
    assert_eq!(records[0].response_status, Some(400));
    assert!(records[0].body.is_none());
    assert_eq!(markers(&records), ["after"]);
}

#[test]
fn a_body_that_stalls_gets_408_after_the_read_timeout() {
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.stall", "stall");
    let mut conn = Conn::open(server.addr).unwrap();
    let started = Instant::now();
    conn.send(&[head(&body, body.len() + 100, ""), body.clone()].concat())
        .unwrap();

    serves(&server, "during");
    let reply = conn.response().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(READ_TIMEOUT_MS));
    assert_eq!(reply.status, 408);
    assert!(reply.json()["reason"].as_str().unwrap().contains("--read-timeout"));
    assert!(conn.closed_by_peer());

    assert_eq!(serves(&server, "after"), 3);
    let records = stop(server, &dir);
    let stalled = records.iter().find(|r| r.rejected.is_some()).unwrap();
    assert_eq!(stalled.response_status, Some(408));
    assert!(stalled.body.is_none());
    assert_eq!(markers(&records), ["during", "after"]);
}

#[test]
fn ten_thousand_headers_get_431_or_a_closed_connection() {
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.headers", "headers");
    let mut request = head(&body, body.len(), "");
    request.truncate(request.len() - 2);
    for i in 0..10_000 {
        request.extend_from_slice(format!("X-Header-{i}: value {i}\r\n").as_bytes());
    }
    request.extend_from_slice(b"\r\n");
    request.extend_from_slice(&body);
    let mut conn = Conn::open(server.addr).unwrap();
    let mut writer = conn.stream().try_clone().unwrap();
    // The listener may give up before reading it all: write from another thread.
    let sender = std::thread::spawn(move || writer.write_all(&request).is_ok());
    match conn.response() {
        Ok(reply) => {
            assert_eq!(reply.status, 431);
            eprintln!("10,000 headers: 431");
        }
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
            ),
            "{e}"
        ),
    }
    drop(conn);
    let _ = sender.join();

    assert_eq!(serves(&server, "after"), 1);
    assert_eq!(markers(&stop(server, &dir)), ["after"], "nothing else is logged");
}

#[test]
fn a_100_mib_body_is_refused_413_before_it_is_read() {
    const DECLARED: usize = 100 << 20;
    let dir = Dir::new();
    let server = start(&dir);
    assert_eq!(serves(&server, "warm-up"), 1);
    let rss_before = rss_kib(server.pid());

    // Declared, and not sent (yet): the answer cannot wait for it.
    let body = marked("hostile.huge", "huge");
    let mut conn = Conn::open(server.addr).unwrap();
    let started = Instant::now();
    conn.send(&head(&body, DECLARED, "")).unwrap();
    let reply = conn.response().unwrap();
    let answered_in = started.elapsed();
    assert_eq!(reply.status, 413);
    // Not a benchmark: a bound a hundred times what it takes, far below the
    // seconds it would take to wait for, or read, 100 MiB.
    assert!(answered_in < Duration::from_secs(1), "answered after {answered_in:?}");

    // Now the sender pushes on regardless: the listener reads a bounded amount
    // (so the answer is not lost to a reset), then hangs up.
    let mut writer = conn.stream().try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let piece = vec![b'x'; 64 << 10];
        let mut sent = 0;
        while sent < DECLARED && writer.write_all(&piece).is_ok() {
            sent += piece.len();
        }
        sent
    });
    let sent = sender.join().unwrap();
    assert!(
        sent < DECLARED,
        "the listener hung up before 100 MiB ({sent} bytes sent)"
    );
    let rss_after = rss_kib(server.pid());

    // With Expect: 100-continue, the body is not even asked for.
    let mut conn = Conn::open(server.addr).unwrap();
    conn.send(&head(&body, DECLARED, "Expect: 100-continue\r\n")).unwrap();
    assert_eq!(conn.response_or_interim().unwrap().status, 413);

    assert_eq!(serves(&server, "after"), 4);
    if let (Some(before), Some(after)) = (rss_before, rss_after) {
        // Nothing of the body is kept: memory stays within a few MiB.
        assert!(after < before + 16 * 1024, "RSS grew from {before} KiB to {after} KiB");
        eprintln!("100 MiB body: RSS {before} KiB before, {after} KiB after; {sent} bytes sent before the hang-up");
    }
    let records = stop(server, &dir);
    let refused: Vec<&Record> = records.iter().filter(|r| r.response_status == Some(413)).collect();
    assert_eq!(refused.len(), 2);
    assert!(
        refused
            .iter()
            .all(|r| r.rejected.as_deref().unwrap().contains("--max-body"))
    );
    assert_eq!(markers(&records), ["warm-up", "after"]);
}

#[test]
fn invalid_chunk_sizes_get_400() {
    let dir = Dir::new();
    let server = start(&dir);
    let cases: [&[u8]; 4] = [
        b"zz\r\nhello\r\n0\r\n\r\n",
        b"fffffffffffffffffffff\r\nhello\r\n0\r\n\r\n",
        b"-5\r\nhello\r\n0\r\n\r\n",
        b"5\r\nhello world\r\n0\r\n\r\n",
    ];
    for chunked in cases {
        let mut conn = Conn::open(server.addr).unwrap();
        let head = format!(
            "POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Signature: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
            sign(SECRET, b"hello")
        );
        conn.send(&[head.as_bytes(), chunked].concat()).unwrap();
        let reply = conn.response().unwrap();
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(chunked));
        assert!(conn.closed_by_peer(), "{}", String::from_utf8_lossy(chunked));
    }
    assert_eq!(serves(&server, "after"), cases.len() as u64 + 1);
    let records = stop(server, &dir);
    assert_eq!(records.len(), cases.len() + 1);
    for record in &records[..cases.len()] {
        assert_eq!(record.response_status, Some(400));
        assert!(record.rejected.as_deref().unwrap().contains("chunk"), "{record:?}");
        assert!(record.body.is_none());
    }
}

#[test]
fn non_utf8_header_values_are_logged_lossily_without_a_panic() {
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.latin1", "latin1");
    let mut request = head(&body, body.len(), "X-Note: caf\u{e9}\r\n")
        .into_iter()
        .collect::<Vec<u8>>();
    // Replace the UTF-8 é (C3 A9) by Latin-1's single E9 byte, and add a stray FF.
    let at = request.windows(2).position(|w| w == [0xC3, 0xA9]).unwrap();
    request.splice(at..at + 2, [0xE9, b' ', 0xFF]);
    let reply = Conn::open(server.addr)
        .unwrap()
        .request(&[request, body.clone()].concat())
        .unwrap();
    assert_eq!(reply.status, 200);

    // A signature that is not text is malformed, not a crash.
    let mut forged = head(&body, body.len(), "").into_iter().collect::<Vec<u8>>();
    let at = forged.windows(13).position(|w| w == b"X-Signature: ").unwrap() + 13;
    forged[at] = 0xFF;
    let reply = Conn::open(server.addr)
        .unwrap()
        .request(&[forged, body.clone()].concat())
        .unwrap();
    assert_eq!(reply.status, 401);
    assert!(reply.json()["reason"].as_str().unwrap().starts_with("malformed"));

    assert_eq!(serves(&server, "after"), 3);
    let records = stop(server, &dir);
    let note = records[0].headers.iter().find(|(n, _)| n == "x-note").unwrap();
    assert_eq!(note.1, "caf\u{FFFD} \u{FFFD}", "each invalid byte becomes U+FFFD");
    assert_eq!(records[0].body_bytes(), body, "the body stays byte-exact");
    assert_eq!(records[1].signature, "malformed");
}

#[test]
fn pipelined_requests_are_answered_in_order_and_logged() {
    let dir = Dir::new();
    let server = start(&dir);
    let bodies: Vec<Vec<u8>> = (0..3).map(|i| marked("hostile.check", &format!("pipe-{i}"))).collect();
    let requests = [
        signed(&bodies[0]),
        post_bytes(
            "/",
            &[("X-Signature", &sign("staging-only-secret", &bodies[1]))],
            &bodies[1],
        ),
        b"GET /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".to_vec(),
        signed(&bodies[2]),
        post_bytes("/", &[], &vec![b'x'; 65 << 10]),
        signed(&marked("hostile.check", "pipe-last")),
    ];
    let mut conn = Conn::open(server.addr).unwrap();
    conn.send(&requests.concat()).unwrap();
    let replies: Vec<(u16, u64)> = (0..requests.len())
        .map(|_| {
            let reply = conn.response().unwrap();
            (reply.status, reply.id())
        })
        .collect();
    assert_eq!(replies, [(200, 1), (401, 2), (405, 3), (200, 4), (413, 5), (200, 6)]);

    assert_eq!(serves(&server, "after"), 7);
    let records = stop(server, &dir);
    let statuses: Vec<Option<u16>> = records.iter().map(|r| r.response_status).collect();
    assert_eq!(
        statuses,
        [200, 401, 405, 200, 413, 200, 200].map(Some),
        "logged in the order received"
    );
    assert_eq!(markers(&records), ["pipe-0", "pipe-1", "pipe-2", "pipe-last", "after"]);
}

/// The first bytes are read with a deadline to tell HTTP/2's preface from an
/// HTTP/1.1 request line; HTTP/2 (cleartext, prior knowledge) must still get
/// through, and a client that then goes silent must not hold up a stop.
/// Frames by hand: the request's headers as HPACK literals, the answer's DATA
/// read as is (it is not compressed).
#[test]
fn http2_is_served_and_a_silent_http2_client_cannot_hold_a_stop() {
    fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
        let len = (payload.len() as u32).to_be_bytes();
        [&len[1..], &[kind, flags], &stream.to_be_bytes()[..], payload].concat()
    }
    fn literal(name: &str, value: &str) -> Vec<u8> {
        // Literal header field without indexing, new name, no Huffman (RFC 7541 §6.2.2).
        assert!(name.len() < 127 && value.len() < 127);
        [
            &[0u8, name.len() as u8][..],
            name.as_bytes(),
            &[value.len() as u8],
            value.as_bytes(),
        ]
        .concat()
    }
    let dir = Dir::new();
    let server = start(&dir);
    let body = marked("hostile.check", "http2");
    let signature = sign(SECRET, &body);
    let headers = [
        literal(":method", "POST"),
        literal(":scheme", "http"),
        literal(":path", "/h2"),
        literal(":authority", "127.0.0.1"),
        literal("x-signature", &signature),
        literal("content-length", &body.len().to_string()),
    ]
    .concat();
    let request = [
        &b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"[..],
        &frame(0x4, 0, 0, &[]),        // SETTINGS
        &frame(0x1, 0x4, 1, &headers), // HEADERS, END_HEADERS
        &frame(0x0, 0x1, 1, &body),    // DATA, END_STREAM
    ]
    .concat();
    let conn = Conn::open(server.addr).unwrap();
    let mut stream = conn.stream().try_clone().unwrap();
    stream.write_all(&request).unwrap();
    let mut answer = Vec::new();
    loop {
        use std::io::Read;
        let mut head = [0u8; 9];
        stream.read_exact(&mut head).unwrap();
        let len = u32::from_be_bytes([0, head[0], head[1], head[2]]) as usize;
        let (kind, flags) = (head[3], head[4]);
        let id = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7FFF_FFFF;
        let mut payload = vec![0; len];
        stream.read_exact(&mut payload).unwrap();
        match kind {
            0x4 if flags & 0x1 == 0 => stream.write_all(&frame(0x4, 0x1, 0, &[])).unwrap(),
            0x0 if id == 1 => {
                answer.extend_from_slice(&payload);
                if flags & 0x1 != 0 {
                    break;
                }
            }
            0x7 | 0x3 => panic!("the listener refused the stream (frame type {kind})"),
            _ => {}
        }
    }
    assert_eq!(String::from_utf8(answer).unwrap(), r#"{"ok":true,"id":1}"#);

    // The client now neither reads nor closes: a graceful stop waits for the
    // answer to a ping that never comes, then drops the connection anyway.
    let records = stop(server, &dir);
    drop((conn, stream));
    assert_eq!(markers(&records), ["http2"]);
    assert_eq!(
        (records[0].path.as_str(), records[0].response_status),
        ("/h2", Some(200))
    );
}
