//! `verify` on every capture format, each verdict, each hint, each exit code.

use serde_json::json;
use techrar_hooks::core::capture::Capture;
use techrar_hooks::core::record::Record;
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::{Algorithm, Encoding, Scheme};

use crate::support::{Dir, ENVELOPE, SECRET, raw_capture, sign, th};

fn verify(args: &[&str]) -> crate::support::Th {
    th(["verify"].iter().chain(args)).env("TECHRAR_WEBHOOK_SECRET", SECRET)
}

fn signed_capture() -> Vec<u8> {
    raw_capture(
        "/webhooks/techrar",
        &[("X-Signature", &sign(SECRET, ENVELOPE))],
        ENVELOPE,
    )
}

#[test]
fn valid_crlf_capture_exits_0() {
    let dir = Dir::new();
    let file = dir.write("ok.http", signed_capture());
    let run = verify(&[file.to_str().unwrap()]).run();
    run.code(0)
        .stdout_has("✔ valid")
        .stdout_has("subscription.created")
        .stdout_has("78 B");
}

#[test]
fn lf_only_lowercase_headers_and_stdin() {
    let lf = String::from_utf8(signed_capture())
        .unwrap()
        .replace("\r\n", "\n")
        .replace("X-Signature", "x-signature");
    verify(&["-"])
        .stdin(lf)
        .run()
        .code(0)
        .stdout_has("valid")
        .stdout_has("standard input");
}

#[test]
fn chunked_capture_is_dechunked_before_verifying() {
    let (a, b) = ENVELOPE.split_at(30);
    let mut raw = format!(
        "POST /hooks HTTP/1.1\r\nX-Signature: {}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n",
        sign(SECRET, ENVELOPE),
        a.len()
    )
    .into_bytes();
    raw.extend_from_slice(a);
    raw.extend_from_slice(format!("\r\n{:x}\r\n", b.len()).as_bytes());
    raw.extend_from_slice(b);
    raw.extend_from_slice(b"\r\n0\r\n\r\n");
    let dir = Dir::new();
    let file = dir.write("chunked.http", raw);
    verify(&[file.to_str().unwrap()]).run().code(0).stdout_has("78 B");
}

#[test]
fn har_checks_every_post_and_fails_when_one_is_bad() {
    let entry = |url: &str, sig: &str, text: &str| {
        json!({"request": {"method": "POST", "url": url, "headers": [{"name": "X-Signature", "value": sig}],
               "postData": {"mimeType": "application/json", "text": text}}})
    };
    let good = std::str::from_utf8(ENVELOPE).unwrap();
    let har = json!({"log": {"version": "1.2", "entries": [
        entry("https://m.example/hooks?a=1", &sign(SECRET, ENVELOPE), good),
        {"request": {"method": "GET", "url": "https://m.example/", "headers": []}},
        entry("https://m.example/hooks", &sign(SECRET, ENVELOPE), &good.replace("123", "124")),
    ]}});
    let dir = Dir::new();
    let file = dir.write("export.har", har.to_string());
    let run = verify(&[file.to_str().unwrap(), "--json"]).run();
    run.code(1);
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2, "the GET entry is not a delivery");
    assert_eq!(lines[0]["signature"], "valid");
    assert_eq!(lines[1]["signature"], "invalid");
    assert_eq!(lines[1]["app_id"], 124);
}

fn record(id: u64, body: &[u8], signature: Option<&str>) -> Record {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    if let Some(sig) = signature {
        headers.push(("X-Signature".into(), sig.into()));
    }
    let capture = Capture {
        method: "POST".into(),
        path: "/".into(),
        headers,
        body: body.to_vec(),
        ..Capture::default()
    };
    let mut r = Record::from_capture(id, "2026-12-04T10:00:00.000Z".into(), &capture);
    r.remote_addr = Some("127.0.0.1:40000".into());
    r.response_status = Some(200);
    r
}

#[test]
fn log_with_torn_last_line_selects_by_id() {
    let good = record(41, ENVELOPE, Some(&sign(SECRET, ENVELOPE)));
    let binary = [0u8, 255, 10, 13];
    let bad = record(42, &binary, Some(&sign("whsec_rotated_2", &binary)));
    let mut log = good.to_line();
    log.extend(bad.to_line());
    let torn = record(43, ENVELOPE, None).to_line();
    log.extend_from_slice(&torn[..torn.len() / 2]);
    let dir = Dir::new();
    let file = dir.write("events.jsonl", log);
    let path = file.to_str().unwrap();

    let run = verify(&[path, "--id", "41"]).run();
    run.code(0).stdout_has("record 41").stderr_has("line 3 is incomplete");
    assert!(!run.stdout.contains("record 42"));

    // the binary body verifies over its raw bytes with the rotated secret, by position
    let run = th([
        "verify",
        path,
        "--id",
        "42",
        "--secret",
        SECRET,
        "--secret",
        "whsec_rotated_2",
    ])
    .run();
    run.code(0).stdout_has("secret #2");

    verify(&[path]).run().code(1).stdout_has("✘ invalid");
    verify(&[path, "--id", "99"])
        .run()
        .code(2)
        .stderr_has("error: ")
        .stderr_has("no record with id 99");
}

#[test]
fn tampered_body_is_exit_1_and_missing_header_says_so() {
    let dir = Dir::new();
    let tampered = String::from_utf8(signed_capture())
        .unwrap()
        .replace("\"app_id\":123", "\"app_id\":999");
    let file = dir.write("tampered.http", tampered);
    verify(&[file.to_str().unwrap()]).run().code(1).stdout_has("✘ invalid");
    let file = dir.write("unsigned.http", raw_capture("/", &[], ENVELOPE));
    verify(&[file.to_str().unwrap()])
        .run()
        .code(1)
        .stdout_has("missing")
        .stdout_has("no X-Signature header");
}

#[test]
fn unreadable_inputs_are_exit_2_with_one_line() {
    let dir = Dir::new();
    let prose = dir.write("notes.txt", "hello, this is not a capture\n");
    verify(&[prose.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("raw HTTP/1.1 request text, a HAR 1.2 file");
    let body = dir.write("body.json", ENVELOPE);
    verify(&[body.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("--payload");
    verify(&["does-not-exist.http"])
        .run()
        .code(2)
        .one_line_error("no such file");
    verify(&[dir.path().to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("directory");
    let empty = dir.write("empty.http", "");
    verify(&[empty.to_str().unwrap()]).run().code(2).one_line_error("empty");
}

#[test]
fn no_or_empty_secret_is_a_usage_error_naming_both_sources() {
    let dir = Dir::new();
    let file = dir.write("ok.http", signed_capture());
    let path = file.to_str().unwrap();
    for run in [
        th(["verify", path]).run(),
        th(["verify", path]).env("TECHRAR_WEBHOOK_SECRET", "").run(),
        th(["verify", path, "--secret", ""]).run(),
    ] {
        run.code(2)
            .one_line_error("--secret")
            .stderr_has("TECHRAR_WEBHOOK_SECRET");
    }
    let secrets = dir.write("secrets", format!("whsec_rotated_2\r\n\r\n{SECRET}\r\n"));
    let run = th(["verify", path, "--secret-file", secrets.to_str().unwrap()]).run();
    run.code(0).stdout_has("secret #2");
    let blank = dir.write("blank", "\n\n");
    th(["verify", path, "--secret-file", blank.to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("--secret-file");
}

#[test]
fn bad_flag_values_are_exit_2_naming_the_flag() {
    let dir = Dir::new();
    let file = dir.write("ok.http", signed_capture());
    let path = file.to_str().unwrap();
    verify(&[path, "--tolerance", "soon"])
        .run()
        .code(2)
        .one_line_error("--tolerance");
    verify(&[path, "--algorithm", "md5"])
        .run()
        .code(2)
        .one_line_error("--algorithm");
    verify(&[path, "--id", "x"]).run().code(2).one_line_error("--id");
    verify(&[path, "--id", "1"])
        .run()
        .code(2)
        .one_line_error("not a techrar-hooks log");
    th(["verify", path])
        .env("TECHRAR_SIGNATURE_ENCODING", "hexx")
        .run()
        .code(2)
        .one_line_error("--encoding");
}

#[test]
fn tolerance_rejects_old_and_future_timestamps() {
    let dir = Dir::new();
    let file = dir.write("ok.http", signed_capture());
    let path = file.to_str().unwrap();
    verify(&[path, "--tolerance", "5m", "--now", "1640000100"])
        .run()
        .code(0);
    verify(&[path, "--tolerance", "5m", "--now", "1640000400"])
        .run()
        .code(1)
        .stdout_has("stale")
        .stdout_has("6m old");
    verify(&[path, "--tolerance", "5m", "--now", "1639999000"])
        .run()
        .code(1)
        .stdout_has("in the future");
}

/// Each usual cause of a mismatch, crafted, gets its own hint.
#[test]
fn mismatch_hints_name_the_cause() {
    let dir = Dir::new();
    let secret = Secret::new(SECRET).unwrap();
    let pretty = b"{\n  \"app_id\": 123,\n  \"event\": \"test\",\n  \"data\": {\"name_ar\": \"\xd8\xb9\"}\n}";
    let compact = br#"{"app_id":123,"event":"test","data":{"name_ar":"\u0639","url":"https:\/\/x"}}"#;
    let cases: Vec<(&str, Vec<u8>, String, Vec<&str>)> = vec![
        // (what was signed → what we captured), expected hint
        (
            "trailing newline",
            [ENVELOPE, b"\n"].concat(),
            sign(SECRET, ENVELOPE),
            vec![],
        ),
        (
            "ended with a newline",
            ENVELOPE.to_vec(),
            sign(SECRET, &[ENVELOPE, b"\n"].concat()),
            vec![],
        ),
        (
            "from LF to CRLF",
            pretty
                .iter()
                .flat_map(|&b| if b == b'\n' { vec![b'\r', b'\n'] } else { vec![b] })
                .collect(),
            sign(SECRET, pretty),
            vec![],
        ),
        (
            "signed the JSON compact",
            pretty.to_vec(),
            sign(
                SECRET,
                &serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(pretty).unwrap()).unwrap(),
            ),
            vec![],
        ),
        (
            "PHP's json_encode",
            r#"{"app_id":123,"event":"test","data":{"name_ar":"ع","url":"https://x"}}"#
                .as_bytes()
                .to_vec(),
            sign(SECRET, compact),
            vec![],
        ),
        (
            "secret #1 has surrounding whitespace",
            ENVELOPE.to_vec(),
            sign(SECRET, ENVELOPE),
            vec!["--secret", "whsec_test_secret\n"],
        ),
        (
            "--algorithm sha512 --encoding base64",
            ENVELOPE.to_vec(),
            Scheme {
                algorithm: Algorithm::Sha512,
                encoding: Encoding::Base64,
            }
            .sign(&secret, ENVELOPE),
            vec![],
        ),
        (
            "TECHRAR_WEBHOOK_SECRET from the environment",
            ENVELOPE.to_vec(),
            sign(SECRET, ENVELOPE),
            vec!["--secret", "staging-only-secret"],
        ),
    ];
    let mut failures = Vec::new();
    for (expected, body, signature, extra) in cases {
        let file = dir.write("body", &body);
        let mut args = vec!["--payload", file.to_str().unwrap(), "--signature", &signature];
        args.extend(extra);
        let run = verify(&args).run();
        if run.code != 1 || !run.stdout.contains("hint:") || !run.stdout.contains(expected) {
            failures.push(format!("{expected}: exit {}\n{}{}", run.code, run.stdout, run.stderr));
        }
    }
    assert!(failures.is_empty(), "hints missing:\n{}", failures.join("\n"));
}

#[test]
fn detect_names_a_base64_sha512_scheme_and_json_carries_it() {
    let scheme = Scheme {
        algorithm: Algorithm::Sha512,
        encoding: Encoding::Base64,
    };
    let sig = scheme.sign(&Secret::new(SECRET).unwrap(), ENVELOPE);
    let dir = Dir::new();
    let file = dir.write("real.http", raw_capture("/", &[("X-Signature", &sig)], ENVELOPE));
    let path = file.to_str().unwrap();
    let run = verify(&[path, "--detect"]).run();
    run.code(0)
        .stdout_has("HMAC-SHA512/base64")
        .stdout_has("--algorithm sha512 --encoding base64");
    let run = verify(&[path, "--detect", "--json"]).run();
    let line = &run.json_lines()[0];
    assert_eq!(
        line["detected"],
        json!([{"algorithm": "sha512", "encoding": "base64", "secret": 1}])
    );
    // and with that scheme chosen, plain verify passes
    th(["verify", path, "--secret", SECRET])
        .env("TECHRAR_SIGNATURE_ALGORITHM", "sha512")
        .env("TECHRAR_SIGNATURE_ENCODING", "base64")
        .run()
        .code(0);
    let unsigned = dir.write(
        "other.http",
        raw_capture("/", &[("X-Signature", &"ab".repeat(32))], ENVELOPE),
    );
    verify(&[unsigned.to_str().unwrap(), "--detect"])
        .run()
        .code(1)
        .stdout_has("no supported scheme");
}

#[test]
fn quiet_prints_nothing_and_json_is_one_object_per_request() {
    let dir = Dir::new();
    let file = dir.write("ok.http", [signed_capture(), signed_capture()].concat());
    let path = file.to_str().unwrap();
    let run = verify(&[path, "-q"]).run();
    run.code(0);
    assert!(run.stdout.is_empty() && run.stderr.is_empty());
    let run = verify(&[path, "--json"]).run();
    let lines = run.json_lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["source"], format!("{path} request 2"));
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["event"], "subscription.created");
}

#[test]
fn secrets_passed_unsafely_get_a_warning_but_never_echoed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = Dir::new();
    let file = dir.write("ok.http", signed_capture());
    let path = file.to_str().unwrap();
    th(["verify", path, "--secret", SECRET])
        .run()
        .code(0)
        .stderr_has("shell history");
    let secrets = dir.write("secrets", SECRET);
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o644)).unwrap();
    let run = th(["verify", path, "--secret-file", secrets.to_str().unwrap()]).run();
    run.code(0).stderr_has("readable by other users (mode 644)");
    std::fs::set_permissions(&secrets, std::fs::Permissions::from_mode(0o600)).unwrap();
    let run = th(["verify", path, "--secret-file", secrets.to_str().unwrap()]).run();
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let run = verify(&[path]).run();
    assert!(
        run.stderr.is_empty(),
        "the environment is the quiet way: {}",
        run.stderr
    );
}
