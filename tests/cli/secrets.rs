//! The secret never shows: every subcommand, run with a recognisable secret
//! passed every way there is, and every stdout, stderr, log file and `--json`
//! line searched for it. (The harness searches each run's output; this test
//! makes sure every subcommand and every output form is among those runs.)

use crate::support::listener::listen;
use crate::support::receiver::Receiver;
use crate::support::{Dir, ENVELOPE, SECRET, SECRETS, assert_file_has_no_secret, raw_capture, sign, th};

#[test]
fn no_subcommand_ever_shows_the_secret() {
    let dir = Dir::new();
    let secret_file = dir.write("secrets", format!("{SECRET}\n"));
    let secret_file = secret_file.to_str().unwrap();
    let capture = dir.write(
        "ok.http",
        raw_capture("/", &[("X-Signature", &sign(SECRET, ENVELOPE))], ENVELOPE),
    );
    let capture = capture.to_str().unwrap();
    let tampered = dir.write(
        "bad.http",
        raw_capture("/", &[("X-Signature", &sign(SECRET, b"x"))], ENVELOPE),
    );
    let tampered = tampered.to_str().unwrap();

    // a listener logging what send delivers, with the secret on the command line
    let listener = listen(dir.path(), &["--secret", SECRET, "--json"]);
    let url = format!("http://{}/hooks", listener.addr);
    let receiver = Receiver::start();
    let log = dir.path().join("events.jsonl");
    let log_arg = log.to_str().unwrap().to_string();

    let runs: Vec<Vec<&str>> = vec![
        vec!["verify", capture, "--secret", SECRET],
        vec!["verify", tampered, "--secret", SECRET, "--secret", "whsec_rotated_2"],
        vec!["verify", tampered, "--json", "--detect", "--secret-file", secret_file],
        vec![
            "verify",
            "--payload",
            capture,
            "--signature",
            "zz",
            "--secret",
            " whsec_test_secret ",
        ],
        vec!["verify", capture, "--tolerance", "1s", "--json"],
        vec!["send", "order.created", "--to", &url, "--secret", SECRET],
        vec!["send", "m.order.completed", "--to", &url, "--json", "--full"],
        vec!["send", "test", "--dry-run", "--secret-file", secret_file],
        vec!["send", "test", "--print-curl"],
        vec![
            "send",
            "order.created",
            "--to",
            &url,
            "--repeat",
            "20",
            "--concurrency",
            "4",
            "--json",
        ],
        vec!["events", "--json"],
        vec!["completions", "bash"],
        vec!["verify", "--help"],
        vec!["send", "--help"],
        vec!["listen", "--help"],
        vec!["replay", "--help"],
    ];
    for args in &runs {
        let run = th(args).env("TECHRAR_WEBHOOK_SECRET", SECRET).run();
        assert!(run.code <= 2, "{args:?} exited {}", run.code);
    }
    let replay_to = receiver.url();
    for args in [
        vec!["replay", &log_arg, "--to", &replay_to, "--json"],
        vec![
            "replay",
            &log_arg,
            "--to",
            &replay_to,
            "--resign",
            "--secret",
            "staging-only-secret",
        ],
        vec!["replay", &log_arg, "--dry-run", "--json", "--refresh-timestamp"],
    ] {
        th(&args).env("TECHRAR_WEBHOOK_SECRET", SECRET).run().code(0);
    }
    let stopped = listener.stop();
    stopped.code(0);
    assert!(
        stopped.stdout.contains("\"signature\":\"valid\""),
        "listen saw signed deliveries"
    );
    assert_file_has_no_secret(&log);
    // what reached the endpoints carries signatures, never a secret
    for request in receiver.requests() {
        let text = String::from_utf8_lossy(&request.body).into_owned()
            + &request
                .headers
                .iter()
                .map(|(n, v)| format!("{n}: {v}\n"))
                .collect::<String>();
        for secret in SECRETS {
            assert!(!text.contains(secret), "a delivery carried a secret");
        }
    }
}
