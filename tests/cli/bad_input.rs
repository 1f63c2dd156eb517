//! Every flag that takes a value, given a wrong one: exit 2 and one line on
//! stderr that names the flag. One table, every failing case named.

use crate::support::{Dir, ENVELOPE, SECRET, raw_capture, sign, th};

#[test]
fn every_flag_with_a_wrong_value_is_exit_2_naming_it() {
    let dir = Dir::new();
    let capture = dir.write(
        "ok.http",
        raw_capture("/", &[("X-Signature", &sign(SECRET, ENVELOPE))], ENVELOPE),
    );
    let capture = capture.to_str().unwrap();
    let log = {
        let mut record = techrar_hooks::core::record::Record::from_capture(
            1,
            "2026-12-04T10:00:00.000Z".into(),
            &techrar_hooks::core::capture::parse_raw_http(&std::fs::read(capture).unwrap()).unwrap()[0],
        );
        record.response_status = Some(200);
        dir.write("events.jsonl", record.to_line())
    };
    let log = log.to_str().unwrap();
    let empty = dir.write("empty", "");
    let empty = empty.to_str().unwrap();
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().unwrap();
    let folder = dir.path().to_str().unwrap();
    let listen_log = dir.path().join("listen.jsonl");
    let listen_log = listen_log.to_str().unwrap();

    let cases: Vec<(&str, Vec<&str>)> = vec![
        // verify
        ("--tolerance", vec!["verify", capture, "--tolerance", "soon"]),
        (
            "--now",
            vec!["verify", capture, "--tolerance", "5m", "--now", "yesterday"],
        ),
        ("--algorithm", vec!["verify", capture, "--algorithm", "md5"]),
        ("--encoding", vec!["verify", capture, "--encoding", "hexx"]),
        ("--id", vec!["verify", log, "--id", "x"]),
        ("--payload", vec!["verify", "--payload", missing, "--signature", "ab"]),
        ("--payload", vec!["verify", "--payload", folder, "--signature", "ab"]),
        ("--secret-file", vec!["verify", capture, "--secret-file", missing]),
        ("--secret-file", vec!["verify", capture, "--secret-file", folder]),
        ("--secret-file", vec!["verify", capture, "--secret-file", empty]),
        ("--secret", vec!["verify", capture, "--secret", ""]),
        ("--color", vec!["verify", capture, "--color", "sometimes"]),
        // listen: every value is checked before a socket is bound
        (
            "--host",
            vec!["listen", "--port", "0", "--no-log", "--host", "not a host"],
        ),
        ("--port", vec!["listen", "--port", "99999", "--no-log"]),
        ("--log", vec!["listen", "--port", "0", "--log", folder]),
        ("--log", vec!["listen", "--port", "0", "--log", ""]),
        ("--status", vec!["listen", "--port", "0", "--no-log", "--status", "42"]),
        ("--delay", vec!["listen", "--port", "0", "--no-log", "--delay", "soon"]),
        (
            "--max-body",
            vec!["listen", "--port", "0", "--no-log", "--max-body", "1parsec"],
        ),
        (
            "--read-timeout",
            vec!["listen", "--port", "0", "--no-log", "--read-timeout", "x"],
        ),
        (
            "--require-header",
            vec!["listen", "--port", "0", "--no-log", "--require-header", "no colon"],
        ),
        (
            "--forward-to",
            vec!["listen", "--port", "0", "--no-log", "--forward-to", "localhost:3000"],
        ),
        (
            "--forward-timeout",
            vec!["listen", "--port", "0", "--no-log", "--forward-timeout", "x"],
        ),
        ("--print", vec!["listen", "--port", "0", "--no-log", "--print", "loud"]),
        (
            "--events",
            vec!["listen", "--port", "0", "--no-log", "--events", "[oops"],
        ),
        (
            "--secret-file",
            vec!["listen", "--port", "0", "--log", listen_log, "--secret-file", empty],
        ),
        // send: nothing is sent (nothing listens on the --to of these rows)
        ("--to", vec!["send", "test", "--to", "not a url"]),
        ("--to", vec!["send", "test", "--to", "ftp://example.com/"]),
        ("--header", vec!["send", "test", "-H", "no colon"]),
        ("--timeout", vec!["send", "test", "--timeout", "soon"]),
        ("--retry-schedule", vec!["send", "test", "--retry-schedule", "1s,x"]),
        ("--repeat", vec!["send", "test", "--repeat", "0"]),
        (
            "--concurrency",
            vec!["send", "test", "--repeat", "2", "--concurrency", "0"],
        ),
        ("--timestamp", vec!["send", "test", "--timestamp", "noon"]),
        ("--app-id", vec!["send", "test", "--app-id", "three"]),
        ("--set", vec!["send", "test", "--set", "no-equals-sign"]),
        ("--data", vec!["send", "test", "--data", missing]),
        ("--data", vec!["send", "test", "--data", folder]),
        ("--data", vec!["send", "test", "--data", empty]),
        ("--fixtures", vec!["send", "test", "--fixtures", missing]),
        ("--fixtures", vec!["send", "test", "--fixtures", empty]),
        // replay
        ("--to", vec!["replay", log, "--to", "not a url"]),
        ("--since", vec!["replay", log, "--since", "the other day"]),
        ("--until", vec!["replay", log, "--until", "later"]),
        ("--last", vec!["replay", log, "--last", "x"]),
        ("--only", vec!["replay", log, "--only", "sometimes"]),
        ("--event", vec!["replay", log, "--event", "[oops"]),
        ("--path", vec!["replay", log, "--path", "[oops"]),
        ("--concurrency", vec!["replay", log, "--concurrency", "0"]),
        ("--id", vec!["replay", log, "--id", "x"]),
        ("--timeout", vec!["replay", log, "--timeout", "x"]),
        ("--header", vec!["replay", log, "-H", "no colon"]),
        ("--retry-schedule", vec!["replay", log, "--retry-schedule", "x"]),
        (
            "--secret-file",
            vec!["replay", log, "--resign", "--secret-file", folder],
        ),
        // events
        ("--fixtures", vec!["events", "--fixtures", missing]),
        // completions
        ("--dir", vec!["completions", "--dir", empty]),
    ];
    let mut failures = Vec::new();
    for (flag, args) in &cases {
        let run = th(args)
            .env("TECHRAR_WEBHOOK_SECRET", SECRET)
            .env("TECHRAR_HOOKS_URL", "http://127.0.0.1:9/")
            .run();
        let lines: Vec<&str> = run.stderr.lines().filter(|l| !l.starts_with("warning:")).collect();
        let one_line = lines.len() == 1 && lines[0].starts_with("error: ");
        if run.code != 2 || !one_line || !run.stderr.contains(flag) {
            failures.push(format!(
                "{flag} in {args:?}: exit {}, stderr: {}",
                run.code,
                run.stderr.trim_end()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
