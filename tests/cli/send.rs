//! `send` against a real HTTP receiver on port 0: signatures checked over the
//! raw bytes received, every flag that shapes the envelope, retries, timeouts,
//! refused connections, load, dry runs and curl, and each exit code.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::Scheme;

use crate::support::receiver::{Received, Receiver};
use crate::support::{Dir, SECRET, sign, th};

/// `send …` with the test secret in the environment.
fn send(args: &[&str]) -> crate::support::Th {
    th(["send"].iter().chain(args)).env("TECHRAR_WEBHOOK_SECRET", SECRET)
}

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("fixtures/events/{name}.json"));
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The receiver's own check: the default scheme over the raw body received.
#[track_caller]
fn assert_signed(request: &Received) {
    let header = request.header("x-signature").expect("an X-Signature header");
    assert_eq!(header, sign(SECRET, &request.body), "signature over the raw body");
    let verdict = Scheme::DEFAULT.verify(&[Secret::new(SECRET).unwrap()], &request.body, Some(header));
    assert!(verdict.is_valid(), "{verdict:?}");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// The receiver's URL with a path, as a merchant's endpoint has.
fn hooks(receiver: &Receiver) -> String {
    format!("{}/hooks", receiver.url())
}

/// A port on which nothing listens (bound, then released).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn every_catalogue_event_sends_signed_and_as_asked() {
    let receiver = Receiver::start();
    let events = th(["events", "--json"]).run();
    let events: Vec<Value> = serde_json::from_str(&events.stdout).unwrap();
    let names: Vec<&str> = events.iter().map(|e| e["name"].as_str().unwrap()).collect();
    let before = now();
    for name in &names {
        send(&[name, "--to", &hooks(&receiver)])
            .run()
            .code(0)
            .stdout_has(&format!("✔ {name} → {}  200 OK", hooks(&receiver)));
    }
    let requests = receiver.requests();
    assert_eq!(requests.len(), names.len());
    let mut failures = Vec::new();
    for (name, request) in names.iter().zip(&requests) {
        assert_signed(request);
        let body = request.json();
        let fixture = fixture(name);
        let checks = [
            (request.method == "POST", "method POST"),
            (request.target == "/hooks", "target /hooks"),
            (
                request.header("content-type") == Some("application/json"),
                "Content-Type",
            ),
            (
                request
                    .header("user-agent")
                    .is_some_and(|ua| ua.starts_with("techrar-hooks/")),
                "User-Agent",
            ),
            (request.body.starts_with(br#"{"app_id":"#), "app_id first, compact"),
            (!request.body.contains(&b'\n'), "compact: no newline"),
            (body["event"] == json!(name), "the event asked for"),
            (body["app_id"] == fixture["app_id"], "app_id of the fixture"),
            (
                body["timestamp"].as_i64().is_some_and(|t| t >= before && t <= now()),
                "timestamp now",
            ),
            (body["data"] == fixture["data"], "the fixture's data"),
        ];
        for (ok, what) in checks {
            if !ok {
                failures.push(format!("{name}: {what}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn set_app_id_header_and_timestamp_shape_a_reproducible_delivery() {
    let receiver = Receiver::start();
    let args = [
        "m.order.completed",
        "--to",
        &hooks(&receiver),
        "--app-id",
        "3",
        "--timestamp",
        "1764849600",
        "--set",
        "data.order_id=786980",
        "--set",
        "data.is_paid=false",
        "--set",
        "data.customer_profile.name=Sara Alotaibi",
        "--set",
        "data.coupon.code=\"007\"",
        "-H",
        "X-Auth-Token: abc",
    ];
    send(&args).run().code(0);
    send(&args).run().code(0);
    let requests = receiver.requests();
    assert_eq!(
        requests[0].body, requests[1].body,
        "a fixed timestamp gives the same bytes"
    );
    assert_eq!(requests[0].header("x-signature"), requests[1].header("x-signature"));

    let mut expected = fixture("m.order.completed");
    expected["app_id"] = json!(3);
    expected["data"]["order_id"] = json!(786980);
    expected["data"]["is_paid"] = json!(false);
    expected["data"]["customer_profile"]["name"] = json!("Sara Alotaibi");
    expected["data"]["coupon"] = json!({"code": "007"});
    assert_eq!(requests[0].body, serde_json::to_vec(&expected).unwrap());
    assert_signed(&requests[0]);
    assert_eq!(requests[0].header("x-auth-token"), Some("abc"));

    // TECHRAR_APP_ID stands in for --app-id.
    send(&["test", "--to", &hooks(&receiver)])
        .env("TECHRAR_APP_ID", "42")
        .run()
        .code(0);
    assert_eq!(receiver.requests()[2].json()["app_id"], json!(42));
}

#[test]
fn data_file_gives_the_data_or_the_whole_envelope() {
    let receiver = Receiver::start();
    let dir = Dir::new();
    let data = dir.write("data.json", r#"{"id": 1, "custom": true}"#);
    let whole = dir.write(
        "whole.json",
        r#"{"app_id": 77, "timestamp": 1, "event": "order.refunded", "data": {"id": 5}, "extra": "kept"}"#,
    );
    let url = hooks(&receiver);

    send(&["order.created", "--to", &url, "--data", data.to_str().unwrap()])
        .run()
        .code(0);
    send(&[
        "--to",
        &url,
        "--data",
        whole.to_str().unwrap(),
        "--timestamp",
        "1764849600",
    ])
    .run()
    .code(0)
    .stdout_has("order.refunded");
    send(&["custom.thing", "--to", &url, "--data", "-"])
        .stdin(r#"[1, 2]"#)
        .run()
        .code(0);

    let requests = receiver.requests();
    requests.iter().for_each(assert_signed);
    let data_only = requests[0].json();
    assert_eq!(data_only["data"], json!({"id": 1, "custom": true}));
    assert_eq!(
        (&data_only["event"], &data_only["app_id"]),
        (&json!("order.created"), &json!(123))
    );
    assert_eq!(
        requests[1].body,
        br#"{"app_id":77,"timestamp":1764849600,"event":"order.refunded","data":{"id":5},"extra":"kept"}"#
    );
    assert_eq!(
        requests[2].json(),
        json!({"app_id": 123, "timestamp": requests[2].json()["timestamp"], "event": "custom.thing", "data": [1, 2]})
    );

    send(&["test", "--to", &url, "--data", whole.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("is an envelope for the event \"order.refunded\", not test");
    let broken = dir.write("broken.json", "{not json");
    send(&["test", "--to", &url, "--data", broken.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("is not JSON");
    assert_eq!(receiver.requests().len(), 3, "usage errors send nothing");
}

#[test]
fn retries_send_identical_bytes_on_the_schedule() {
    let receiver = Receiver::scripted(&[500, 503, 200]);
    let run = send(&[
        "order.created",
        "--to",
        &hooks(&receiver),
        "--retry-schedule",
        "0s,50ms,50ms",
    ])
    .run();
    run.code(0)
        .stdout_has("500 Internal Server Error")
        .stdout_has("503 Service Unavailable")
        .stdout_has("200 OK")
        .stdout_has("attempt 3/4")
        .stderr_has("retrying in 50ms (attempt 3 of 4)");
    assert_eq!(
        run.stdout.matches(" → ").count(),
        3,
        "each attempt printed:\n{}",
        run.stdout
    );
    let requests = receiver.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_signed(request);
        assert_eq!(request.body, requests[0].body);
        assert_eq!(request.header("x-signature"), requests[0].header("x-signature"));
    }

    let failing = Receiver::always(500, "{}");
    send(&[
        "test",
        "--to",
        &hooks(&failing),
        "--retry-schedule",
        "0s,10ms",
        "--json",
    ])
    .run()
    .code(1);
    assert_eq!(failing.requests().len(), 3, "the first attempt and two retries");
}

#[test]
fn a_hanging_endpoint_times_out() {
    let receiver = Receiver::hanging();
    send(&["test", "--to", &hooks(&receiver), "--timeout", "300ms"])
        .run()
        .code(1)
        .stdout_has("timeout")
        .stdout_has("no response within 300ms");
    assert_eq!(receiver.requests().len(), 1);
}

#[test]
fn a_refused_connection_says_nothing_listens() {
    let port = closed_port();
    let run = send(&["test", "--to", &format!("http://127.0.0.1:{port}/")]).run();
    run.code(1).stdout_has(&format!(
        "connection refused: nothing listens on 127.0.0.1:{port} (`techrar-hooks listen` would)"
    ));
    let json = send(&["test", "--to", &format!("http://127.0.0.1:{port}/"), "--json"]).run();
    let lines = json.code(1).json_lines();
    assert_eq!(lines[0]["error"], json!("refused"));
    assert_eq!(lines[0]["ok"], json!(false));
}

#[test]
fn load_sends_distinct_ids_over_kept_alive_connections() {
    let receiver = Receiver::start();
    let run = send(&[
        "order.created",
        "--to",
        &hooks(&receiver),
        "--repeat",
        "200",
        "--concurrency",
        "8",
    ])
    .run();
    run.code(0)
        .stdout_has("200 deliveries of order.created")
        .stdout_has("200 OK × 200")
        .stdout_has("errors   none")
        .stdout_has("p50")
        .stdout_has("p99")
        .stdout_has("deliveries/s");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 200);
    requests.iter().for_each(assert_signed);
    let ids: BTreeSet<i64> = requests
        .iter()
        .map(|r| r.json()["data"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (10457..10657).collect(), "data.id counts up from the fixture's");
    assert_eq!(
        receiver.connections(),
        8,
        "one kept-alive connection per concurrent delivery"
    );
    let mut names: Vec<String> = requests[0]
        .headers
        .iter()
        .map(|(n, _)| n.to_ascii_lowercase())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "accept",
            "content-length",
            "content-type",
            "host",
            "user-agent",
            "x-signature"
        ],
        "the headers of a single send"
    );

    let same = Receiver::start();
    send(&[
        "order.created",
        "--to",
        &hooks(&same),
        "--repeat",
        "50",
        "--concurrency",
        "4",
        "--same-body",
    ])
    .run()
    .code(0)
    .stdout_has("one body for all");
    let requests = same.requests();
    assert_eq!(requests.len(), 50);
    assert!(requests.iter().all(|r| r.body == requests[0].body));
    assert_signed(&requests[0]);
}

#[test]
fn load_json_and_failures() {
    let receiver = Receiver::scripted(&[503, 500]);
    let run = send(&[
        "m.order.completed",
        "--to",
        &hooks(&receiver),
        "--repeat",
        "20",
        "--concurrency",
        "4",
        "--json",
    ])
    .run();
    let lines = run.code(1).json_lines();
    assert_eq!(lines.len(), 21, "20 deliveries and a summary");
    let deliveries: BTreeSet<u64> = lines[..20].iter().map(|l| l["delivery"].as_u64().unwrap()).collect();
    assert_eq!(deliveries, (1..=20).collect());
    let summary = &lines[20]["summary"];
    assert_eq!(summary["deliveries"], json!(20));
    assert_eq!(summary["ok"], json!(18));
    assert_eq!(summary["statuses"], json!({"200": 18, "500": 1, "503": 1}));
    for key in ["p50", "p90", "p99", "max"] {
        assert!(summary["latency_ms"][key].is_number(), "{key}");
    }
    let order_ids: BTreeSet<i64> = receiver
        .requests()
        .iter()
        .map(|r| r.json()["data"]["order_id"].as_i64().unwrap())
        .collect();
    assert_eq!(order_ids.len(), 20, "meals orders get distinct data.order_id");

    let failing = Receiver::always(500, "{\"error\":\n  \"boom\"}");
    send(&["test", "--to", &hooks(&failing), "--repeat", "10", "--concurrency", "3"])
        .run()
        .code(1)
        .stdout_has("✘ 10 deliveries of test")
        .stdout_has("500 Internal Server Error × 10")
        .stdout_has("500      {\"error\": \"boom\"}");
}

#[test]
fn dry_run_shows_exactly_what_would_be_sent_and_sends_nothing() {
    let receiver = Receiver::start();
    let args = [
        "subscription.created",
        "--to",
        &hooks(&receiver),
        "--timestamp",
        "1764849600",
        "-H",
        "X-Auth-Token: abc",
    ];
    let dry = send(&[&args[..], &["--dry-run"]].concat()).run();
    dry.code(0)
        .stdout_has("POST /hooks HTTP/1.1\n")
        .stderr_has("not sent (--dry-run)");
    assert!(receiver.requests().is_empty());

    let (head, body) = dry.stdout.split_once("\n\n").unwrap();
    let body = body.strip_suffix('\n').unwrap();
    assert!(head.contains(&format!("X-Signature: {}", sign(SECRET, body.as_bytes()))));

    // The same command, sent: the receiver gets these very headers and body.
    send(&args).run().code(0);
    let received = &receiver.requests()[0];
    assert_eq!(received.body, body.as_bytes());
    let shown: BTreeSet<(String, String)> = head
        .lines()
        .skip(1)
        .map(|l| l.split_once(": ").unwrap())
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect();
    let got: BTreeSet<(String, String)> = received
        .headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.clone()))
        .collect();
    assert_eq!(shown, got);

    // The dry run is a raw HTTP capture that `verify` accepts.
    th(["verify", "-"])
        .env("TECHRAR_WEBHOOK_SECRET", SECRET)
        .stdin(dry.stdout.clone())
        .run()
        .code(0)
        .stdout_has("valid");
}

#[test]
fn print_curl_quotes_for_the_shell_and_reproduces_the_request() {
    let receiver = Receiver::start();
    let args = [
        "order.created",
        "--to",
        &hooks(&receiver),
        "--timestamp",
        "1764849600",
        "--set",
        r#"data.note=it's $HOME "quoted" `x`"#,
        "-H",
        "X-Auth-Token: a b",
    ];
    let curl = send(&[&args[..], &["--print-curl"]].concat()).run();
    curl.code(0).stdout_has("curl ");
    assert!(receiver.requests().is_empty(), "--print-curl sends nothing");

    // A shell runs the command with a stand-in `curl` that prints its arguments.
    let script = format!(
        "curl() {{ for a in \"$@\"; do printf '%s\\0' \"$a\"; done; }}\n{}",
        curl.stdout
    );
    let output = std::process::Command::new("sh").arg("-c").arg(script).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let words: Vec<String> = output
        .stdout
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| String::from_utf8(w.to_vec()).unwrap())
        .collect();
    let after = |flag: &str| -> Vec<&str> {
        words
            .windows(2)
            .filter(|w| w[0] == flag)
            .map(|w| w[1].as_str())
            .collect()
    };
    let body = after("--data-binary")[0];
    let headers = after("-H");

    send(&args).run().code(0);
    let received = &receiver.requests()[0];
    assert_eq!(body.as_bytes(), received.body, "the same bytes");
    assert_eq!(received.json()["data"]["note"], json!(r#"it's $HOME "quoted" `x`"#));
    assert!(headers.contains(&format!("X-Signature: {}", sign(SECRET, body.as_bytes())).as_str()));
    assert!(headers.contains(&"X-Auth-Token: a b"));
    assert!(headers.contains(&"Content-Type: application/json"));
    assert!(words.contains(&hooks(&receiver)));
}

#[test]
fn a_header_given_with_h_replaces_ours() {
    let receiver = Receiver::start();
    send(&[
        "test",
        "--to",
        &hooks(&receiver),
        "-H",
        "X-Signature: forged",
        "-H",
        "x-extra: 1",
    ])
    .run()
    .code(0);
    let received = &receiver.requests()[0];
    let signatures: Vec<&str> = received
        .headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("x-signature"))
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(signatures, ["forged"]);
    assert_eq!(received.header("x-extra"), Some("1"));
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let url = format!("http://127.0.0.1:{}/", closed_port());
    th(["send", "test", "--to", &url])
        .run()
        .code(2)
        .one_line_error("no webhook secret given; pass --secret or set TECHRAR_WEBHOOK_SECRET");
    send(&["order.shipped", "--to", &url])
        .run()
        .code(2)
        .one_line_error("no fixture for the event 'order.shipped'")
        .stderr_has("techrar-hooks events")
        .stderr_has("--data");
    send(&["order.create", "--to", &url])
        .run()
        .code(2)
        .one_line_error("did you mean order.created?");
    send(&["--to", &url])
        .run()
        .code(2)
        .one_line_error("no event given")
        .stderr_has("techrar-hooks events");
    for (args, needle) in [
        (
            &["test", "--set", "data.message.x=1"][..],
            "data.message is a string, not an object",
        ),
        (&["test", "--set", "nothing"], "is not PATH=VALUE"),
        (&["test", "--to", "localhost:4000"], "invalid --to"),
        (&["test", "-H", "no colon"], "not a header"),
        (&["test", "--repeat", "0"], "--repeat"),
        (&["test", "--dry-run", "--print-curl"], "--print-curl"),
        (&["test", "--timeout", "soon"], "not a duration"),
    ] {
        send(args).run().code(2).one_line_error(needle);
    }
}

#[test]
fn the_secret_never_appears_even_when_passed_as_a_flag() {
    let receiver = Receiver::always(401, "bad signature");
    let url = hooks(&receiver);
    for extra in [&["--dry-run"][..], &["--print-curl"], &["--json"], &[]] {
        let args = [&["send", "test", "--to", &url, "--secret", SECRET][..], extra].concat();
        // th() checks stdout and stderr for every test secret.
        let run = th(args).run();
        assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    }
    let requests = receiver.requests();
    assert_eq!(requests.len(), 2);
    for request in &requests {
        let raw = format!("{:?}{}", request.headers, String::from_utf8_lossy(&request.body));
        assert!(!raw.contains(SECRET), "the secret went over the wire");
    }
}

#[test]
fn user_fixtures_add_and_replace_events() {
    let receiver = Receiver::start();
    let dir = Dir::new();
    dir.write(
        "order.created.json",
        r#"{"app_id": 5, "timestamp": 1, "event": "order.created", "data": {"id": 1, "mine": true}}"#,
    );
    dir.write(
        "order.refunded.json",
        r#"{"app_id": 5, "timestamp": 1, "event": "order.refunded", "data": {"id": 2}}"#,
    );
    let folder = dir.path().to_str().unwrap();
    send(&["order.created", "--to", &hooks(&receiver), "--fixtures", folder])
        .run()
        .code(0);
    send(&["order.refunded", "--to", &hooks(&receiver)])
        .env("TECHRAR_HOOKS_FIXTURES", folder)
        .run()
        .code(0);
    let requests = receiver.requests();
    assert_eq!(requests[0].json()["data"], json!({"id": 1, "mine": true}));
    assert_eq!(requests[0].json()["app_id"], json!(5));
    assert_eq!(requests[1].json()["event"], json!("order.refunded"));
    requests.iter().for_each(assert_signed);

    dir.write("bad.json", r#"{"event": "worse", "data": {}}"#);
    send(&["order.created", "--to", &hooks(&receiver), "--fixtures", folder])
        .run()
        .code(2)
        .one_line_error("bad.json")
        .stderr_has("\"worse\"");
}

#[test]
fn listen_takes_what_send_sends_as_valid() {
    let dir = Dir::new();
    let server = crate::support::listener::listen(dir.path(), &[]);
    let url = server.url.clone();
    send(&["test", "--to", &url]).run().code(0).stdout_has("200 OK");
    send(&["m.order.completed", "--to", &url, "--repeat", "4", "--concurrency", "2"])
        .run()
        .code(0);
    send(&["order.created", "--to", &url, "--repeat", "3", "--same-body"])
        .run()
        .code(0);
    // listen appends each record before it answers, so the log is complete now.
    let records = server.records();
    assert_eq!(records.len(), 8);
    assert!(records.iter().all(|r| r.signature == "valid"), "{records:#?}");
    let duplicates = |event: &str| {
        records
            .iter()
            .filter(|r| r.event.as_deref() == Some(event) && r.duplicate_of.is_some())
            .count()
    };
    assert_eq!(
        duplicates("m.order.completed"),
        0,
        "distinct order ids are not duplicates"
    );
    assert_eq!(duplicates("order.created"), 2, "--same-body repeats the very bytes");
}

#[test]
fn load_failures_are_counted_and_explained() {
    let port = closed_port();
    send(&[
        "test",
        "--to",
        &format!("http://127.0.0.1:{port}/"),
        "--repeat",
        "5",
        "--concurrency",
        "2",
    ])
    .run()
    .code(1)
    .stdout_has("✘ 5 deliveries of test")
    .stdout_has(&format!(
        "refused × 5: connection refused: nothing listens on 127.0.0.1:{port} (`techrar-hooks listen` would)"
    ));

    let hanging = Receiver::hanging();
    send(&[
        "test",
        "--to",
        &hooks(&hanging),
        "--repeat",
        "4",
        "--concurrency",
        "2",
        "--timeout",
        "200ms",
    ])
    .run()
    .code(1)
    .stdout_has("timeout × 4: no response within 200ms");
    assert_eq!(hanging.requests().len(), 4);
}

#[test]
fn load_retries_and_reconnects() {
    // The first request fails and is retried; every later one succeeds.
    let receiver = Receiver::scripted(&[500]);
    send(&[
        "order.created",
        "--to",
        &hooks(&receiver),
        "--repeat",
        "3",
        "--retry-schedule",
        "0s",
    ])
    .run()
    .code(0)
    .stdout_has("200 OK × 3")
    .stdout_has("retries  1");
    let requests = receiver.requests();
    assert_eq!(requests.len(), 4);
    assert_eq!(requests[0].body, requests[1].body, "a retry sends the same bytes");

    // A server that closes each connection after answering: a new one each time.
    let closing = Receiver::start();
    send(&[
        "test",
        "--to",
        &hooks(&closing),
        "--repeat",
        "10",
        "--concurrency",
        "2",
        "-H",
        "Connection: close",
    ])
    .run()
    .code(0)
    .stdout_has("200 OK × 10");
    assert_eq!(closing.connections(), 10);
}
