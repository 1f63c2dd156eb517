//! `listen` as a real server on port 0, driven by real HTTP clients.

use std::collections::BTreeSet;
use std::time::Duration;

use techrar_hooks::core::record::Record;

use crate::support::listener::{closed_port, exchange, listen, post, read_log};
use crate::support::receiver::Receiver;
use crate::support::{Dir, ENVELOPE, SECRET, sign, th};

fn envelope(event: &str, object: u64) -> Vec<u8> {
    format!(r#"{{"app_id":3,"timestamp":1733300000,"event":"{event}","data":{{"id":{object},"status":"paid"}}}}"#)
        .into_bytes()
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn each_verdict_gets_its_answer_and_one_record() {
    let dir = Dir::new();
    let log = dir.path().join("fresh/events.jsonl");
    let server = th(["listen", "--port", "0", "--log"])
        .arg(&log)
        .env("TECHRAR_WEBHOOK_SECRET", SECRET)
        .spawn_listener(Some(log.clone()));

    let valid = server.deliver("/webhooks/techrar?src=test", ENVELOPE);
    assert_eq!(
        (valid.status, valid.json()),
        (200, serde_json::json!({"ok": true, "id": 1}))
    );
    let forged = server.post(
        "/",
        &[("X-Signature", &sign("staging-only-secret", ENVELOPE))],
        ENVELOPE,
    );
    assert_eq!(forged.status, 401);
    assert_eq!(forged.json()["reason"], "invalid signature");
    let missing = server.post("/", &[], ENVELOPE);
    assert_eq!(
        (missing.status, missing.json()["reason"].as_str()),
        (401, Some("no X-Signature header"))
    );
    let malformed = server.post("/", &[("X-Signature", "not-a-mac")], ENVELOPE);
    assert_eq!(malformed.status, 401);
    assert!(
        malformed.json()["reason"]
            .as_str()
            .unwrap()
            .starts_with("malformed signature")
    );

    let run = server.stop();
    run.code(0)
        .stdout_has("✔ valid")
        .stdout_has("✘ invalid")
        .stdout_has("subscription.created")
        .stdout_has("duplicate of #1")
        .stderr_has("stopped: 4 requests: 1 valid, 1 invalid, 1 missing, 1 malformed");

    let records = read_log(&log);
    let words: Vec<&str> = records.iter().map(|r| r.signature.as_str()).collect();
    assert_eq!(words, ["valid", "invalid", "missing", "malformed"]);
    let first = &records[0];
    assert_eq!(first.id, 1);
    assert_eq!(
        (first.method.as_str(), first.path.as_str()),
        ("POST", "/webhooks/techrar")
    );
    assert_eq!(first.query.as_deref(), Some("src=test"));
    assert_eq!(first.body_bytes(), ENVELOPE);
    assert_eq!(first.event.as_deref(), Some("subscription.created"));
    assert_eq!((first.app_id, first.timestamp), (Some(123), Some(1640000000)));
    assert_eq!(first.response_status, Some(200));
    assert_eq!(first.duplicate_of, None);
    assert!(first.remote_addr.as_deref().unwrap().starts_with("127.0.0.1:"));
    assert!(
        first
            .headers
            .iter()
            .any(|(n, v)| n == "x-signature" && *v == sign(SECRET, ENVELOPE))
    );
    assert!(
        records[1..]
            .iter()
            .all(|r| r.duplicate_of == Some(1) && r.response_status == Some(401))
    );
    #[cfg(unix)]
    {
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().unwrap()), 0o700);
    }
}

#[test]
fn bodies_are_verified_and_logged_byte_exact() {
    let dir = Dir::new();
    let server = listen(dir.path(), &["--fsync"]);
    let text = b"plain text, not JSON\r\nwith CRLF and a trailing newline\n";
    let binary = [0u8, 159, 146, 150, 255, b'\n', 13];
    assert_eq!(server.deliver("/", text).status, 200);
    assert_eq!(server.deliver("/", &binary).status, 200);
    assert_eq!(server.deliver("/", b"").status, 200);

    // Chunked, in uneven pieces.
    let (a, b) = ENVELOPE.split_at(7);
    let mut chunked = format!(
        "POST /chunked HTTP/1.1\r\nHost: x\r\nX-Signature: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        sign(SECRET, ENVELOPE),
        a.len()
    )
    .into_bytes();
    chunked.extend_from_slice(a);
    chunked.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
    chunked.extend_from_slice(b);
    chunked.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(exchange(server.addr, &chunked).status, 200);

    server.stop().code(0);
    let records = read_log(&dir.path().join("events.jsonl"));
    assert_eq!(records.len(), 4);
    assert_eq!(records[0].body.as_deref().map(str::as_bytes), Some(&text[..]));
    assert!(records[1].body.is_none() && records[1].body_base64.is_some());
    assert_eq!(records[1].body_bytes(), binary);
    assert_eq!(records[2].body.as_deref(), Some(""));
    assert_eq!(records[3].body_bytes(), ENVELOPE);
    assert!(
        records
            .iter()
            .all(|r| r.signature == "valid" && r.event.is_none() || r.id == 4)
    );
}

#[test]
fn refused_requests_are_logged_too() {
    let dir = Dir::new();
    let server = listen(
        dir.path(),
        &["--path", "/webhooks/techrar", "--max-body", "1KiB", "--print", "full"],
    );
    let big = vec![b'x'; 4096];
    let too_large = server.deliver("/webhooks/techrar", &big);
    assert_eq!(too_large.status, 413);
    assert!(too_large.json()["reason"].as_str().unwrap().contains("--max-body"));

    let mut chunked = b"POST /webhooks/techrar HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        chunked.extend_from_slice(b"200\r\n");
        chunked.extend_from_slice(&[b'y'; 0x200]);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(exchange(server.addr, &chunked).status, 413);

    assert_eq!(server.deliver("/elsewhere", ENVELOPE).status, 404);
    let get = exchange(server.addr, b"GET /webhooks/techrar HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!((get.status, get.header("allow")), (405, Some("POST")));
    assert_eq!(server.deliver("/webhooks/techrar", ENVELOPE).status, 200);

    let run = server.stop();
    run.code(0)
        .stdout_has("rejected")
        .stdout_has("413")
        .stdout_has("\"event\": \"subscription.created\"") // --print full pretty-prints JSON
        .stdout_has("x-signature: ")
        .stderr_has("5 requests: 1 valid, 4 rejected");
    let records = read_log(&dir.path().join("events.jsonl"));
    let statuses: Vec<Option<u16>> = records.iter().map(|r| r.response_status).collect();
    assert_eq!(statuses, [Some(413), Some(413), Some(404), Some(405), Some(200)]);
    for record in &records[..2] {
        assert!(record.rejected.as_deref().unwrap().contains("--max-body"));
        assert!(record.body.is_none() && record.body_base64.is_none());
        assert_eq!(record.signature, "unchecked");
    }
    assert_eq!(records[2].path, "/elsewhere");
    assert_eq!(records[2].signature, "valid");
    assert!(records[2].rejected.as_deref().unwrap().contains("--path"));
    assert_eq!(records[3].method, "GET");
    assert!(records[4].rejected.is_none());
}

#[test]
fn required_headers_accept_all_and_status_override() {
    let dir = Dir::new();
    let server = listen(dir.path(), &["--require-header", "X-Auth-Token: abc"]);
    let signature = sign(SECRET, ENVELOPE);
    let without = server.post("/", &[("X-Signature", &signature)], ENVELOPE);
    assert_eq!(without.status, 401);
    assert!(
        without.json()["reason"]
            .as_str()
            .unwrap()
            .contains("x-auth-token is missing")
    );
    let wrong = server.post("/", &[("X-Signature", &signature), ("X-Auth-Token", "abd")], ENVELOPE);
    assert_eq!(wrong.status, 401);
    let right = server.post("/", &[("X-Signature", &signature), ("X-Auth-Token", "abc")], ENVELOPE);
    assert_eq!(right.status, 200);
    server.stop().code(0);
    let records = read_log(&dir.path().join("events.jsonl"));
    assert!(records[0].rejected.as_deref().unwrap().contains("missing"));
    assert_eq!(records[0].signature, "valid");
    assert!(records[2].rejected.is_none());

    let dir = Dir::new();
    let server = listen(dir.path(), &["--accept-all"]);
    assert_eq!(server.post("/", &[("X-Signature", "nope")], ENVELOPE).status, 200);
    server.stop().code(0);
    assert_eq!(read_log(&dir.path().join("events.jsonl"))[0].signature, "malformed");

    let dir = Dir::new();
    let server = listen(dir.path(), &["--status", "503", "--delay", "150ms"]);
    let started = std::time::Instant::now();
    let reply = server.deliver("/", ENVELOPE);
    assert!(started.elapsed() >= Duration::from_millis(150));
    assert_eq!((reply.status, reply.json()["ok"].as_bool()), (503, Some(false)));
    server.stop().code(0);
    assert_eq!(read_log(&dir.path().join("events.jsonl"))[0].response_status, Some(503));
}

#[test]
fn without_a_secret_every_delivery_is_unchecked() {
    let dir = Dir::new();
    let server = th(["listen", "--port", "0", "--no-log"])
        .current_dir(dir.path())
        .spawn_listener(None);
    let reply = post(server.addr, "/", &[], ENVELOPE);
    assert_eq!((reply.status, reply.id()), (200, 1));
    let run = server.stop();
    run.code(0)
        .stderr_has("warning: no webhook secret given")
        .stderr_has("not logging (--no-log)")
        .stdout_has("unchecked");
    assert!(!dir.path().join(".techrar-hooks").exists());
}

#[test]
fn the_default_log_is_private_and_ids_continue_after_a_restart_and_a_torn_tail() {
    let dir = Dir::new();
    let start = || {
        th(["listen", "--port", "0"])
            .current_dir(dir.path())
            .env("TECHRAR_WEBHOOK_SECRET", SECRET)
            .spawn_listener(Some(dir.path().join(".techrar-hooks/events.jsonl")))
    };
    let server = start();
    assert!(server.url.starts_with("http://127.0.0.1:"));
    assert_eq!(server.deliver("/", &envelope("m.order.completed", 1)).id(), 1);
    assert_eq!(server.deliver("/", &envelope("m.order.created", 2)).id(), 2);
    server.stop().code(0).stderr_has(".techrar-hooks/events.jsonl");
    let log = dir.path().join(".techrar-hooks/events.jsonl");
    #[cfg(unix)]
    {
        assert_eq!(mode(&log), 0o600);
        assert_eq!(mode(log.parent().unwrap()), 0o700);
    }

    // A crash mid-write leaves half a line.
    let mut bytes = std::fs::read(&log).unwrap();
    bytes.extend_from_slice(br#"{"v":1,"id":3,"received_at":"2026-"#);
    std::fs::write(&log, bytes).unwrap();

    let server = start();
    assert_eq!(server.deliver("/", &envelope("m.order.cancelled", 3)).id(), 3);
    // The same bytes as before the restart, and the same order with a new timestamp.
    let again = server.deliver("/", &envelope("m.order.completed", 1));
    let redelivered = envelope("m.order.created", 2).into_iter().collect::<Vec<u8>>();
    let redelivered = String::from_utf8(redelivered)
        .unwrap()
        .replace("1733300000", "1733300060");
    let redelivery = server.deliver("/", redelivered.as_bytes());
    assert_eq!((again.id(), redelivery.id()), (4, 5));
    server.stop().code(0).stderr_has("torn").stdout_has("redelivery of #2");

    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 6, "{text}");
    assert!(
        lines[2].ends_with("\"received_at\":\"2026-"),
        "the torn line stays alone"
    );
    let records: Vec<Record> = techrar_hooks::store::LogReader::new(text.as_bytes())
        .filter_map(|item| match item.unwrap() {
            techrar_hooks::store::LogItem::Record(r) => Some(*r),
            _ => None,
        })
        .collect();
    let ids: Vec<u64> = records.iter().map(|r| r.id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(records[3].duplicate_of, Some(1));
    assert_eq!((records[4].duplicate_of, records[4].redelivery_of), (None, Some(2)));

    // What listen wrote, verify reads.
    th(["verify"])
        .arg(&log)
        .env("TECHRAR_WEBHOOK_SECRET", SECRET)
        .run()
        .code(0)
        .stdout_has("m.order.cancelled");
}

#[test]
fn concurrent_deliveries_are_each_logged_exactly_once() {
    const THREADS: usize = 16;
    const EACH: usize = 125;
    let dir = Dir::new();
    let server = listen(dir.path(), &["--print", "none"]);
    let addr = server.addr;
    let acknowledged: Vec<(u64, u64)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                scope.spawn(move || {
                    (0..EACH)
                        .map(|i| {
                            let object = (t * EACH + i) as u64;
                            let body = envelope("order.created", object);
                            let reply = post(addr, "/", &[("X-Signature", &sign(SECRET, &body))], &body);
                            assert_eq!(reply.status, 200);
                            (reply.id(), object)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    server.stop().code(0).stderr_has("2000 requests: 2000 valid");

    let records = read_log(&dir.path().join("events.jsonl"));
    assert_eq!(records.len(), THREADS * EACH);
    let logged_ids: BTreeSet<u64> = records.iter().map(|r| r.id).collect();
    assert_eq!(logged_ids.len(), records.len(), "ids are unique");
    assert_eq!(logged_ids, acknowledged.iter().map(|(id, _)| *id).collect());
    assert!(records.windows(2).all(|w| w[0].id < w[1].id), "lines are in id order");
    for (id, object) in acknowledged {
        let record = &records[(id - 1) as usize];
        assert_eq!(record.id, id);
        assert_eq!(record.body_bytes(), envelope("order.created", object));
    }
}

#[test]
fn forwarding_passes_exact_bytes_headers_and_query() {
    let app = Receiver::always(201, "created");
    let dir = Dir::new();
    let server = listen(dir.path(), &["--forward-to", &format!("{}/app", app.url())]);
    let body = b"{\"event\":\"test\",  \"data\":{\"message\":\"spaces \\u00e9 kept\"}}\n";
    let signature = sign(SECRET, body);
    let reply = server.post(
        "/hooks?attempt=1&x=%20",
        &[
            ("X-Signature", &signature),
            ("X-Custom", "kept"),
            ("Connection", "close"),
        ],
        body,
    );
    assert_eq!((reply.status, reply.body.as_slice()), (201, &b"created"[..]));
    // Forged, and the app accepts it anyway.
    let forged = server.post("/hooks", &[("X-Signature", &sign("whsec_rotated_2", body))], body);
    assert_eq!(forged.status, 201);

    let received = app.requests();
    assert_eq!(received.len(), 2);
    let first = &received[0];
    assert_eq!(first.method, "POST");
    assert_eq!(first.target, "/app/hooks?attempt=1&x=%20");
    assert_eq!(first.body, body);
    assert_eq!(first.header("x-signature"), Some(signature.as_str()));
    assert_eq!(first.header("x-custom"), Some("kept"));
    assert_eq!(first.header("content-type"), Some("application/json"));
    assert_ne!(first.header("host"), Some(server.addr.to_string().as_str()));

    let run = server.stop();
    run.code(0)
        .stdout_has("→ app 201")
        .stdout_has("warning: your app answered 201 to a delivery whose signature is invalid")
        .stderr_has("your app accepted 1 not validly signed");
    let records = read_log(&dir.path().join("events.jsonl"));
    let forward = records[0].forward.as_ref().unwrap();
    assert_eq!(forward.url, format!("{}/app/hooks?attempt=1&x=%20", app.url()));
    assert_eq!((forward.status, forward.error.as_deref()), (Some(201), None));
    assert_eq!(records[0].response_status, Some(201));
    assert_eq!(records[0].warning, None);
    assert!(records[1].warning.as_deref().unwrap().contains("forged"));
}

#[test]
fn an_app_down_gives_502_and_a_slow_one_times_out() {
    let dir = Dir::new();
    let down = format!("http://127.0.0.1:{}/", closed_port());
    let server = listen(dir.path(), &["--forward-to", &down, "--forward-exact"]);
    let reply = server.deliver("/x", ENVELOPE);
    assert_eq!(reply.status, 502);
    assert!(reply.json()["reason"].as_str().unwrap().contains("connection refused"));
    // and it keeps running
    assert_eq!(server.deliver("/y", ENVELOPE).status, 502);
    let run = server.stop();
    run.code(0).stdout_has("failed: connection refused");
    let records = read_log(&dir.path().join("events.jsonl"));
    assert_eq!(records.len(), 2);
    let forward = records[0].forward.as_ref().unwrap();
    assert_eq!(forward.url, down);
    assert!(forward.status.is_none() && forward.error.as_deref().unwrap().contains("refused"));

    let slow = Receiver::hanging();
    let dir = Dir::new();
    let server = listen(dir.path(), &["--forward-to", &slow.url(), "--forward-timeout", "300ms"]);
    let reply = server.deliver("/", ENVELOPE);
    assert_eq!(reply.status, 504);
    server.stop().code(0).stdout_has("timed out");
    let record = &read_log(&dir.path().join("events.jsonl"))[0];
    let forward = record.forward.as_ref().unwrap();
    assert_eq!(forward.error.as_deref(), Some("timed out after 300ms"));
    assert!(forward.duration_ms.unwrap() >= 300);
}

#[test]
fn json_lines_and_event_filter() {
    let dir = Dir::new();
    let server = listen(dir.path(), &["--json", "--events", "m.order.*"]);
    server.deliver("/", &envelope("subscription.created", 1));
    server.deliver("/", &envelope("m.order.completed", 2));
    let run = server.stop();
    run.code(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert!(lines[0]["listening"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert!(lines[0]["log"].as_str().unwrap().ends_with("events.jsonl"));
    let record: Record = serde_json::from_value(lines[1].clone()).unwrap();
    assert_eq!((record.id, record.event.as_deref()), (2, Some("m.order.completed")));
    assert_eq!(
        read_log(&dir.path().join("events.jsonl")).len(),
        2,
        "the filter never limits the log"
    );
}

#[test]
fn a_second_interrupt_quits_at_once_with_130() {
    let dir = Dir::new();
    let server = listen(dir.path(), &["--delay", "60s"]);
    let addr = server.addr;
    std::thread::spawn(move || {
        // The answer never comes: the process quits first.
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        let head = format!(
            "POST / HTTP/1.1\r\nHost: x\r\nX-Signature: {}\r\nContent-Length: {}\r\n\r\n",
            sign(SECRET, ENVELOPE),
            ENVELOPE.len()
        );
        let _ = stream.write_all(&[head.as_bytes(), ENVELOPE].concat());
        let _ = stream.read_to_end(&mut Vec::new());
    });
    server.wait_for("subscription.created");
    server.signal("INT");
    server.wait_for("stopping");
    server.signal("INT");
    server.wait().code(130).stderr_has("interrupted");
    assert_eq!(
        read_log(&dir.path().join("events.jsonl")).len(),
        1,
        "logged before answering"
    );
}

#[test]
fn a_closed_stdout_stops_it_with_141() {
    let dir = Dir::new();
    let log = dir.path().join("events.jsonl");
    let server = th(["listen", "--port", "0", "--json", "--log"])
        .arg(&log)
        .spawn_listener_stdout_closed(Some(log));
    server.wait().code(141).stderr_has("stopped: 0 requests");
}

#[test]
fn bad_flags_fail_before_binding() {
    let dir = Dir::new();
    let log = dir.path().join("events.jsonl");
    for (args, needle) in [
        (&["--forward-to", "localhost:3000"][..], "--forward-to"),
        (&["--forward-to", "ftp://x/"], "--forward-to"),
        (&["--status", "99"], "--status"),
        (&["--status", "abc"], "--status"),
        (&["--max-body", "0"], "--max-body"),
        (&["--max-body", "1 parsec"], "--max-body"),
        (&["--path", "webhooks"], "--path"),
        (&["--events", "m.order.[*"], "--events"),
        (&["--delay", "soon"], "--delay"),
        (&["--read-timeout", "0s"], "--read-timeout"),
        (&["--require-header", "no colon"], "--require-header"),
        (&["--host", "not a host"], "--host"),
        (&["--print", "everything"], "--print"),
        (&["--forward-exact"], "--forward-to"),
    ] {
        th(["listen", "--port", "0", "--log"])
            .arg(&log)
            .args(args)
            .run()
            .code(2)
            .one_line_error(needle);
    }
    assert!(!log.exists(), "nothing was opened");
    th(["listen", "--port", "0", "--no-log", "--fsync"])
        .run()
        .code(2)
        .one_line_error("--fsync");

    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    th(["listen", "--no-log", "--port", &port])
        .run()
        .code(2)
        .one_line_error("--port 0");
    th(["listen", "--port", "0", "--log"])
        .arg(dir.path())
        .run()
        .code(2)
        .one_line_error("cannot write the log");
}

#[cfg(unix)]
#[test]
fn an_existing_log_open_to_others_is_reported() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let folder = dir.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    let log = folder.join("events.jsonl");
    std::fs::write(&log, "").unwrap();
    std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o644)).unwrap();
    let server = th(["listen", "--port", "0", "--log"])
        .arg(&log)
        .env("TECHRAR_WEBHOOK_SECRET", SECRET)
        .spawn_listener(Some(log.clone()));
    server
        .stop()
        .code(0)
        .stderr_has("is open to other users (mode 644)")
        .stderr_has("chmod 600")
        .stderr_has("(mode 755): chmod 700");
    assert_eq!(mode(&log), 0o644, "the user's own modes are reported, not changed");
}
