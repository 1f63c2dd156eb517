//! `replay` over real HTTP: every request lands on an in-process receiver on
//! port 0, which records the bytes; the tests compare them with the log.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde_json::{Value, json};
use techrar_hooks::core::record::{Forward, Record, VERSION};

use crate::support::receiver::{Received, Receiver};
use crate::support::{Dir, SECRET, Th, raw_capture, sign, th};

const STAGING: &str = "staging-only-secret";

/// R1's body: odd spacing, an escape, raw UTF-8 and a nested `timestamp`,
/// all of which a re-serialiser would change.
const BODY_1: &str = r#"{"app_id": 3,  "timestamp" : 1764842400, "event":"m.order.completed", "data": {"order_id": 786980, "timestamp": 5, "note": "caf\u00e9 ✓"}}"#;
const BODY_2: &str = r#"{"app_id":3,"timestamp":1764842700,"event":"subscription.created","data":{"id":9}}"#;
const BODY_3: &[u8] = &[0x00, 0xff, 0x10, b'{', b'\r', b'\n'];
const BODY_4: &str = r#"{"app_id":3,"timestamp":1764843300,"event":"order.created","data":{"id":12}}"#;

/// `replay ARGS`, with a secret in the environment so that every run checks it never leaks.
fn replay(args: &[&str]) -> Th {
    th(std::iter::once("replay").chain(args.iter().copied())).env("TECHRAR_WEBHOOK_SECRET", SECRET)
}

#[allow(clippy::too_many_arguments)]
fn record(
    id: u64,
    received_at: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
    signature: &str,
    response_status: u16,
) -> Record {
    let event = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|v| v["event"].as_str().map(String::from));
    let mut all = vec![
        ("Host".to_string(), "merchant.example".to_string()),
        ("User-Agent".to_string(), "Techrar-Webhooks/1.0".to_string()),
        ("Content-Type".to_string(), "application/json".to_string()),
    ];
    all.extend(headers.iter().map(|(n, v)| (n.to_string(), v.to_string())));
    all.push(("Content-Length".into(), body.len().to_string()));
    all.push(("Connection".into(), "keep-alive".into()));
    let mut r = Record {
        v: VERSION,
        id,
        received_at: received_at.into(),
        method: "POST".into(),
        path: path.into(),
        query: query.map(String::from),
        remote_addr: Some("203.0.113.9:52100".into()),
        headers: all,
        body: None,
        body_base64: None,
        signature: signature.into(),
        event,
        app_id: Some(3),
        timestamp: None,
        duplicate_of: None,
        redelivery_of: None,
        rejected: None,
        warning: None,
        response_status: Some(response_status),
        forward: None,
    };
    r.set_body(body);
    r
}

/// Four records as `listen` writes them: valid with custom headers and a
/// query; invalid (answered 401); binary and valid but forwarded to a 502;
/// unsigned (answered 401).
fn records() -> Vec<Record> {
    let mut binary = record(
        3,
        "2026-12-04T10:10:00Z",
        "/webhooks/techrar/bin",
        None,
        &[("X-Signature", &sign(SECRET, BODY_3))],
        BODY_3,
        "valid",
        200,
    );
    binary.forward = Some(Forward {
        url: "http://127.0.0.1:3000/".into(),
        status: Some(502),
        duration_ms: Some(3),
        error: None,
    });
    vec![
        record(
            1,
            "2026-12-04T10:00:00.120Z",
            "/webhooks/techrar",
            Some("shop=7&note=a%20b"),
            &[
                ("X-Auth-Token", "tok-123"),
                ("X-Custom", "one"),
                ("X-Signature", &sign(SECRET, BODY_1.as_bytes())),
                ("X-Custom", "two"),
            ],
            BODY_1.as_bytes(),
            "valid",
            200,
        ),
        record(
            2,
            "2026-12-04T10:05:00Z",
            "/webhooks/techrar",
            None,
            &[("X-Signature", &sign("whsec_rotated_2", BODY_2.as_bytes()))],
            BODY_2.as_bytes(),
            "invalid",
            401,
        ),
        binary,
        record(
            4,
            "2026-12-04T10:15:00Z",
            "/other",
            None,
            &[],
            BODY_4.as_bytes(),
            "missing",
            401,
        ),
    ]
}

fn write_log(dir: &Dir, name: &str, records: &[Record]) -> PathBuf {
    dir.write(name, records.iter().flat_map(Record::to_line).collect::<Vec<u8>>())
}

/// A temp dir holding the four-record log.
fn standard_log() -> (Dir, String) {
    let dir = Dir::new();
    let path = write_log(&dir, "events.jsonl", &records());
    let path = path.to_str().unwrap().to_string();
    (dir, path)
}

/// Which records these requests were, by their bodies.
fn ids(received: &[Received]) -> Vec<u64> {
    let records = records();
    received
        .iter()
        .map(|r| {
            records
                .iter()
                .find(|rec| rec.body_bytes() == r.body)
                .map_or(0, |rec| rec.id)
        })
        .collect()
}

fn body_json(r: &Received) -> Value {
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn a_log_replays_byte_exact_in_order_with_original_signatures_and_headers() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    let run = replay(&[&log, "--to", &receiver.url()]).run();
    run.code(0)
        .stdout_has("✔ 200      m.order.completed")
        .stdout_has("events.jsonl record 1")
        .stderr_has("4 sent: 4 2xx, 0 other, 0 errors");
    assert_eq!(run.stdout.lines().count(), 4, "{}", run.stdout);

    let got = receiver.requests();
    assert_eq!(ids(&got), [1, 2, 3, 4]);
    for (received, original) in got.iter().zip(records()) {
        let capture = original.capture();
        assert_eq!(received.method, "POST");
        assert_eq!(received.target, capture.target());
        assert_eq!(received.body, capture.body, "record {}", original.id);
        assert_eq!(received.header("X-Signature"), capture.signature());
        assert_eq!(received.header("Host"), Some(receiver.addr().to_string().as_str()));
        assert_eq!(received.header("User-Agent"), Some("Techrar-Webhooks/1.0"));
        assert_eq!(received.all("Content-Length"), [capture.body.len().to_string()]);
        assert!(
            received.header("Connection").is_none(),
            "hop-by-hop headers stay behind"
        );
    }
    let first = &got[0];
    assert_eq!(first.target, "/webhooks/techrar?shop=7&note=a%20b");
    assert_eq!(first.header("X-Auth-Token"), Some("tok-123"));
    assert_eq!(first.all("X-Custom"), ["one", "two"]);
    // the original order of distinct header names survives
    let order: Vec<String> = first
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .filter(|n| ["user-agent", "content-type", "x-auth-token", "x-custom", "x-signature"].contains(&n.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            "user-agent",
            "content-type",
            "x-auth-token",
            "x-custom",
            "x-custom",
            "x-signature"
        ]
    );
    assert!(
        got[3].header("X-Signature").is_none(),
        "an unsigned request stays unsigned"
    );
}

#[test]
fn the_default_log_is_listens() {
    let receiver = Receiver::start();
    let dir = Dir::new();
    std::fs::create_dir(dir.path().join(".techrar-hooks")).unwrap();
    write_log(&dir, ".techrar-hooks/events.jsonl", &records()[..1]);
    replay(&["--to", &receiver.url()])
        .current_dir(dir.path())
        .run()
        .code(0)
        .stdout_has(".techrar-hooks/events.jsonl record 1");
    assert_eq!(ids(&receiver.requests()), [1]);

    let empty = Dir::new();
    replay(&["--to", &receiver.url()])
        .current_dir(empty.path())
        .run()
        .code(2)
        .one_line_error("no log at .techrar-hooks/events.jsonl; `techrar-hooks listen` records deliveries there");
}

#[test]
fn paths_join_the_to_url_unless_to_exact() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    let base = format!("{}/base/", receiver.url());
    replay(&[&log, "--id", "1", "--to", &base]).run().code(0);
    let exact = format!("{}/exact/hook?k=v", receiver.url());
    replay(&[&log, "--id", "1", "--to", &exact, "--to-exact"]).run().code(0);
    let targets: Vec<String> = receiver.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/base/webhooks/techrar?shop=7&note=a%20b", "/exact/hook?k=v"]);
}

#[test]
fn filters_select_by_id_event_time_verdict_path_and_last() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    let cases: &[(&[&str], &[u64])] = &[
        (&["--id", "2", "--id", "4"], &[2, 4]),
        (&["--event", "m.order.*"], &[1]),
        (&["--event", "*.created"], &[2, 4]),
        (&["--event", "m.order.*", "--event", "order.*"], &[1, 4]),
        (
            &["--since", "2026-12-04T10:05:00Z", "--until", "2026-12-04T10:15:00Z"],
            &[2, 3],
        ),
        (&["--since", "2026-12-04", "--until", "2026-12-05"], &[1, 2, 3, 4]),
        (&["--until", "2026-12-04T10:00:00.121Z"], &[1]),
        (&["--only", "valid"], &[1, 3]),
        (&["--only", "invalid"], &[2]),
        (&["--only", "missing"], &[4]),
        (&["--only", "failed"], &[2, 3, 4]),
        (&["--path", "/webhooks/*"], &[1, 2]),
        (&["--path", "/webhooks/**"], &[1, 2, 3]),
        (&["--last", "2"], &[3, 4]),
        (&["--only", "valid", "--last", "1"], &[3]),
        (&["--event", "*.created", "--only", "failed", "--id", "4"], &[4]),
    ];
    let url = receiver.url();
    let mut wrong = Vec::new();
    for (flags, want) in cases {
        let mut args = vec![log.as_str(), "--to", &url];
        args.extend_from_slice(flags);
        let run = replay(&args).run();
        let got = ids(&receiver.take());
        if run.code != 0 || got != *want {
            wrong.push(format!(
                "{flags:?}: exit {}, sent {got:?}, want {want:?}\n{}",
                run.code, run.stderr
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn since_and_until_take_durations_ago() {
    let receiver = Receiver::start();
    let at = |ago: u64| humantime::format_rfc3339_millis(SystemTime::now() - Duration::from_secs(ago)).to_string();
    let mut all = records();
    all[0].received_at = at(3 * 3600);
    all[1].received_at = at(30 * 60);
    let dir = Dir::new();
    let log = write_log(&dir, "recent.jsonl", &all[..2]);
    let log = log.to_str().unwrap();
    replay(&[log, "--to", &receiver.url(), "--since", "2h"]).run().code(0);
    assert_eq!(ids(&receiver.take()), [2]);
    replay(&[log, "--to", &receiver.url(), "--until", "1h"]).run().code(0);
    assert_eq!(ids(&receiver.take()), [1]);
}

#[test]
fn nothing_selected_and_unknown_ids_are_exit_2() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    replay(&[
        &log,
        "--to",
        &receiver.url(),
        "--event",
        "nope.*",
        "--since",
        "2026-12-04",
    ])
    .run()
    .code(2)
    .one_line_error(
        "none of the 4 requests read matches --event 'nope.*' --since 2026-12-04T00:00:00Z; loosen the filters",
    );
    replay(&[&log, "--to", &receiver.url(), "--id", "99"])
        .run()
        .code(2)
        .one_line_error("has no record with id 99");
    assert!(receiver.requests().is_empty());

    // the ids that exist are still replayed; the run then says which did not
    let run = replay(&[&log, "--to", &receiver.url(), "--id", "1", "--id", "99"]).run();
    run.code(2)
        .stdout_has("✔ 200")
        .stderr_has("error: ")
        .stderr_has("no record with id 99");
    assert_eq!(ids(&receiver.requests()), [1]);
}

#[test]
fn resign_verifies_with_the_new_secret_only() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    replay(&[&log, "--to", &receiver.url(), "--resign", "--id", "1", "--id", "3"])
        .env("TECHRAR_WEBHOOK_SECRET", STAGING)
        .run()
        .code(0);
    let got = receiver.requests();
    assert_eq!(ids(&got), [1, 3], "the bodies are unchanged");
    for received in &got {
        let signature = received.all("X-Signature");
        assert_eq!(signature, [sign(STAGING, &received.body)]);
        assert_ne!(signature[0], sign(SECRET, &received.body));
    }
    // the re-signed header keeps the original's place among the headers
    let names: Vec<String> = got[0].headers.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
    let position = |name: &str| names.iter().position(|n| n == name).unwrap();
    assert!(position("x-custom") < position("x-signature"));

    th(["replay", &log, "--to", &receiver.url(), "--resign"])
        .run()
        .code(2)
        .one_line_error("no webhook secret given");
}

#[test]
fn refresh_timestamp_changes_only_the_timestamp_and_signs_the_new_bytes() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    let before = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let run = replay(&[&log, "--to", &receiver.url(), "--refresh-timestamp", "--id", "1"])
        .env("TECHRAR_WEBHOOK_SECRET", STAGING)
        .run();
    let after = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    run.code(0);
    let got = receiver.take();
    let body = &got[0].body;
    let timestamp = body_json(&got[0])["timestamp"].as_u64().unwrap();
    assert!(
        (before..=after).contains(&timestamp),
        "{timestamp} not in {before}..={after}"
    );
    let want = BODY_1.replace("1764842400", &timestamp.to_string());
    assert_eq!(String::from_utf8_lossy(body), want, "only the timestamp's bytes change");
    assert_eq!(got[0].header("X-Signature"), Some(sign(STAGING, body).as_str()));

    // a body that is not an envelope cannot be refreshed; the others still go
    let run = replay(&[
        &log,
        "--to",
        &receiver.url(),
        "--refresh-timestamp",
        "--id",
        "1",
        "--id",
        "3",
    ])
    .env("TECHRAR_WEBHOOK_SECRET", STAGING)
    .run();
    run.code(1)
        .stdout_has("✘ not sent")
        .stdout_has("cannot refresh the timestamp: the body is not JSON")
        .stderr_has("1 sent: 1 2xx, 0 other, 0 errors; 1 not sent");
    assert_eq!(receiver.take().len(), 1);
}

#[test]
fn headers_from_h_add_or_replace_case_insensitively() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    replay(&[
        &log,
        "--to",
        &receiver.url(),
        "--id",
        "1",
        "-H",
        "x-auth-token: new",
        "-H",
        "X-Extra: 1",
    ])
    .run()
    .code(0);
    let got = &receiver.requests()[0];
    assert_eq!(got.all("X-Auth-Token"), ["new"]);
    assert_eq!(got.all("X-Extra"), ["1"]);
    assert_eq!(
        got.header("X-Signature"),
        Some(sign(SECRET, BODY_1.as_bytes()).as_str())
    );
}

#[test]
fn har_entries_replay_and_only_checks_their_signatures() {
    let receiver = Receiver::start();
    let good = BODY_2;
    let binary = [0u8, 255, 1, 2];
    let entry = |url: &str, sig: &str, post: Value| {
        json!({"startedDateTime": "2026-12-04T10:00:00Z", "request": {"method": "POST", "url": url,
            "headers": [{"name": ":authority", "value": "m.example"}, {"name": "Content-Length", "value": "1"},
                        {"name": "X-Signature", "value": sig}, {"name": "X-Auth-Token", "value": "har"}],
            "postData": post}})
    };
    let har = json!({"log": {"version": "1.2", "entries": [
        {"request": {"method": "GET", "url": "https://m.example/", "headers": []}},
        entry("https://m.example/hooks?a=1", &sign(SECRET, good.as_bytes()),
              json!({"mimeType": "application/json", "text": good})),
        entry("https://m.example/hooks/bin", "not-a-signature",
              json!({"mimeType": "application/octet-stream", "text": "AP8BAg==", "encoding": "base64"})),
    ]}});
    let dir = Dir::new();
    let file = dir.write("export.har", har.to_string());
    let file = file.to_str().unwrap();
    replay(&[file, "--to", &receiver.url()])
        .run()
        .code(0)
        .stdout_has("export.har entry 1 (https://m.example/hooks?a=1)");
    let got = receiver.take();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].target.as_str(), got[0].body.as_slice()),
        ("/hooks?a=1", good.as_bytes())
    );
    assert_eq!(
        (got[1].target.as_str(), got[1].body.as_slice()),
        ("/hooks/bin", &binary[..])
    );
    assert_eq!(got[0].header("X-Auth-Token"), Some("har"));
    assert_eq!(got[0].all("Content-Length"), [good.len().to_string()]);

    // a HAR records no verdicts: --only checks them with the secret given
    replay(&[file, "--to", &receiver.url(), "--only", "valid"])
        .run()
        .code(0);
    assert_eq!(receiver.take()[0].target, "/hooks?a=1");
    // without a secret it cannot, and says so
    th(["replay", file, "--to", &receiver.url(), "--only", "invalid"])
        .run()
        .code(2)
        .stderr_has("2 requests not selected: their signatures were never checked; pass --secret")
        .stderr_has("error: none of the 2 requests read matches --only invalid");
    // nor has it receive times
    replay(&[file, "--to", &receiver.url(), "--since", "1h"])
        .run()
        .code(2)
        .stderr_has("export.har: 2 requests not selected: it has no receive times");
    assert!(receiver.requests().is_empty());
}

#[test]
fn raw_http_captures_replay_from_a_file_and_stdin() {
    let receiver = Receiver::start();
    let body = BODY_4.as_bytes();
    let mut raw = raw_capture(
        "/webhooks/techrar?x=1",
        &[("X-Signature", &sign(SECRET, body)), ("Connection", "close")],
        body,
    );
    // a second, chunked request pipelined after the first
    raw.extend_from_slice(
        b"POST /chunked HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n",
    );
    let dir = Dir::new();
    let file = dir.write("capture.http", &raw);
    replay(&[file.to_str().unwrap(), "--to", &receiver.url()])
        .run()
        .code(0)
        .stdout_has("capture.http request 2");
    let got = receiver.take();
    assert_eq!(got.len(), 2);
    assert_eq!(
        (got[0].target.as_str(), got[0].body.as_slice()),
        ("/webhooks/techrar?x=1", body)
    );
    assert_eq!(got[0].header("Host"), Some(receiver.addr().to_string().as_str()));
    assert!(got[0].header("Connection").is_none_or(|v| v != "close"));
    assert_eq!(
        (got[1].target.as_str(), got[1].body.as_slice()),
        ("/chunked", &b"{\"a\":1}"[..])
    );
    assert!(got[1].header("Transfer-Encoding").is_none());

    replay(&["-", "--to", &receiver.url()])
        .stdin(raw_capture("/in", &[], body))
        .run()
        .code(0)
        .stdout_has("standard input");
    assert_eq!(receiver.take()[0].target, "/in");
}

#[test]
fn a_torn_log_replays_its_complete_records_with_a_warning() {
    let receiver = Receiver::start();
    let all = records();
    let mut bytes: Vec<u8> = all[..2].iter().flat_map(Record::to_line).collect();
    let third = all[2].to_line();
    bytes.extend_from_slice(&third[..third.len() / 2]);
    let dir = Dir::new();
    let log = dir.write("torn.jsonl", bytes);
    replay(&[log.to_str().unwrap(), "--to", &receiver.url()])
        .run()
        .code(0)
        .stderr_has("warning: ")
        .stderr_has("line 3 is incomplete");
    assert_eq!(ids(&receiver.requests()), [1, 2]);
}

#[test]
fn missing_inputs_are_exit_2_before_anything_is_sent() {
    let receiver = Receiver::start();
    let (dir, log) = standard_log();
    let missing = dir.path().join("nope.jsonl");
    let missing = missing.to_str().unwrap();
    replay(&[missing, "--to", &receiver.url()])
        .run()
        .code(2)
        .one_line_error(&format!("cannot read {missing}: no such file"));
    replay(&[&log, missing, "--to", &receiver.url()])
        .run()
        .code(2)
        .one_line_error("no such file");
    let foreign = dir.write("notes.txt", "hello");
    replay(&[&log, foreign.to_str().unwrap(), "--to", &receiver.url()])
        .run()
        .code(2)
        .one_line_error("is not a capture we can read");
    assert!(receiver.requests().is_empty());
}

#[test]
fn a_500_in_the_middle_still_attempts_every_record_and_exits_1() {
    let receiver = Receiver::scripted(&[200, 500, 200, 200]);
    let (_dir, log) = standard_log();
    let run = replay(&[&log, "--to", &receiver.url()]).run();
    run.code(1)
        .stdout_has("✘ 500      subscription.created")
        .stdout_has(r#"    response: {"status":500}"#)
        .stderr_has("4 sent: 3 2xx, 1 other (500), 0 errors");
    assert_eq!(ids(&receiver.requests()), [1, 2, 3, 4]);
}

#[test]
fn fail_fast_stops_at_the_first_failure() {
    let receiver = Receiver::scripted(&[200, 500, 200, 200]);
    let (_dir, log) = standard_log();
    replay(&[&log, "--to", &receiver.url(), "--fail-fast"])
        .run()
        .code(1)
        .stderr_has("2 sent: 1 2xx, 1 other (500)")
        .stderr_has("stopped at the first failure (--fail-fast)");
    assert_eq!(ids(&receiver.requests()), [1, 2]);
}

#[test]
fn retries_follow_the_schedule() {
    let receiver = Receiver::scripted(&[503, 200]);
    let (_dir, log) = standard_log();
    replay(&[&log, "--to", &receiver.url(), "--id", "1", "--retry-schedule", "0s"])
        .run()
        .code(0)
        .stdout_has("after 2 attempts")
        .stderr_has("record 1: attempt 1 got 503; retrying in 0s");
    assert_eq!(ids(&receiver.requests()), [1, 1]);
}

#[test]
fn connection_errors_are_failures_named_for_people() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (_dir, log) = standard_log();
    let to = format!("http://127.0.0.1:{port}/");
    replay(&[&log, "--to", &to, "--id", "1", "--json"])
        .run()
        .code(1)
        .stdout_has("\"error_kind\":\"refused\"")
        .stderr_has("0 other, 1 error (refused)");
    replay(&[&log, "--to", &to, "--id", "1"])
        .run()
        .code(1)
        .stdout_has("✘ refused")
        .stdout_has(&format!("connection refused: nothing listens on 127.0.0.1:{port}"));
}

#[test]
fn dry_run_shows_what_would_be_sent_and_sends_nothing() {
    let receiver = Receiver::start();
    let (_dir, log) = standard_log();
    let run = replay(&[&log, "--to", &receiver.url(), "--dry-run"]).run();
    run.code(0)
        .stdout_has(&format!(
            "POST {}/webhooks/techrar?shop=7&note=a%20b  m.order.completed",
            receiver.url()
        ))
        .stdout_has("    x-auth-token: tok-123")
        .stdout_has(&format!("    x-signature: {}", sign(SECRET, BODY_1.as_bytes())))
        .stdout_has(&format!(r#"    body: {} B  {{"app_id": 3,  "timestamp""#, BODY_1.len()))
        .stdout_has("body: 6 B  (binary)")
        .stderr_has("dry run: 4 requests would be sent; nothing was sent");

    let run = replay(&[&log, "--to", &receiver.url(), "--dry-run", "--json", "--resign"])
        .env("TECHRAR_WEBHOOK_SECRET", STAGING)
        .run();
    run.code(0);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["dry_run"], true);
    assert_eq!(lines[0]["body"], BODY_1);
    let signature = lines[0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h[0] == "x-signature")
        .unwrap()[1]
        .clone();
    assert_eq!(signature, sign(STAGING, BODY_1.as_bytes()));
    assert_eq!(lines[2]["body_base64"], "AP8Qew0K");
    assert!(receiver.requests().is_empty());
}

#[test]
fn concurrency_keeps_that_many_in_flight_and_delivers_all() {
    let receiver = Receiver::gated(8);
    let dir = Dir::new();
    let many: Vec<Record> = (1..=200)
        .map(|id| {
            let body = format!(r#"{{"app_id":3,"timestamp":1764842400,"event":"test","data":{{"n":{id}}}}}"#);
            let mut r = record(
                id,
                "2026-12-04T10:00:00Z",
                "/hooks",
                None,
                &[("X-Signature", &sign(SECRET, body.as_bytes()))],
                body.as_bytes(),
                "valid",
                200,
            );
            r.event = Some("test".into());
            r
        })
        .collect();
    let log = write_log(&dir, "many.jsonl", &many);
    replay(&[log.to_str().unwrap(), "--to", &receiver.url(), "--concurrency", "8"])
        .run()
        .code(0)
        .stderr_has("200 sent: 200 2xx");
    let mut got: Vec<Vec<u8>> = receiver.requests().into_iter().map(|r| r.body).collect();
    let mut want: Vec<Vec<u8>> = many.iter().map(Record::body_bytes).collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    assert_eq!(receiver.max_in_flight(), 8, "eight deliveries were in flight together");
}

#[test]
fn json_reports_one_object_per_delivery() {
    let receiver = Receiver::scripted(&[200, 500]);
    let (_dir, log) = standard_log();
    let run = replay(&[&log, "--to", &receiver.url(), "--json"]).run();
    run.code(1);
    let lines = run.json_lines();
    let summary: Vec<(Value, Value, Value, Value)> = lines
        .iter()
        .map(|l| {
            (
                l["id"].clone(),
                l["event"].clone(),
                l["status"].clone(),
                l["ok"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!(1), json!("m.order.completed"), json!(200), json!(true)),
            (json!(2), json!("subscription.created"), json!(500), json!(false)),
            (json!(3), Value::Null, json!(200), json!(true)),
            (json!(4), json!("order.created"), json!(200), json!(true)),
        ]
    );
    for line in &lines {
        assert!(line["latency_ms"].is_number(), "{line}");
        assert_eq!(line["sent"], true);
        assert_eq!(line["attempts"], 1);
        assert!(line["url"].as_str().unwrap().starts_with(&receiver.url()));
    }
}

#[test]
fn bad_flags_are_one_line_usage_errors() {
    let (_dir, log) = standard_log();
    let cases: &[(&[&str], &str)] = &[
        (&["--concurrency", "0"], "--concurrency"),
        (&["--since", "yesterday"], "neither a duration like 2h nor a UTC time"),
        (&["--since", "2026-12-04T10:00:00+03:00"], "neither a duration"),
        (&["--event", "[oops"], "is not a glob"),
        (&["--to", "localhost:4000"], "invalid --to"),
        (
            &["--since", "1h", "--until", "2h"],
            "invalid --until: it is not later than --since",
        ),
        (&["--only", "maybe"], "--only"),
    ];
    for (flags, needle) in cases {
        let mut args = vec![log.as_str()];
        args.extend_from_slice(flags);
        replay(&args).run().code(2).one_line_error(needle);
    }
}

/// The whole loop a developer runs: `listen` records real deliveries, `replay`
/// sends them again, byte for byte, to another endpoint.
#[test]
fn a_log_written_by_a_real_listen_replays_byte_exact() {
    let dir = Dir::new();
    let listener = crate::support::listener::listen(dir.path(), &[]);
    let bodies: [&[u8]; 3] = [BODY_1.as_bytes(), BODY_2.as_bytes(), BODY_3];
    let signed_1 = sign(SECRET, bodies[0]);
    let signed_2 = sign(SECRET, bodies[1]);
    listener.post(
        "/webhooks/techrar?shop=7",
        &[("X-Signature", &signed_1), ("X-Auth-Token", "tok-123")],
        bodies[0],
    );
    listener.post("/webhooks/techrar", &[("X-Signature", &signed_2)], bodies[1]);
    listener.post("/other", &[], bodies[2]);
    let log = dir.path().join("events.jsonl");
    listener.stop().code(0);

    let receiver = Receiver::start();
    let run = replay(&[log.to_str().unwrap(), "--to", &receiver.url()]).run();
    run.code(0);
    let got = receiver.requests();
    assert_eq!(got.len(), 3);
    for (received, body) in got.iter().zip(bodies) {
        assert_eq!(
            received.body, body,
            "the bytes listen received are the bytes replay sends"
        );
    }
    assert_eq!(got[0].target, "/webhooks/techrar?shop=7");
    assert_eq!(got[0].header("X-Signature"), Some(signed_1.as_str()));
    assert_eq!(got[0].header("X-Auth-Token"), Some("tok-123"));
    assert_eq!(got[1].header("X-Signature"), Some(signed_2.as_str()));
    assert_eq!(got[2].target, "/other");
    assert!(got[2].header("X-Signature").is_none());
}
