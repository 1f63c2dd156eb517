//! The shared signature vectors, computed independently of this code: every
//! case signs and verifies, every header form is accepted or rejected as
//! listed. One table test that names every failing case.

use std::path::Path;

use base64::Engine as _;
use serde_json::Value;
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::{Encoding, Scheme, Verdict};

use crate::support::{Dir, th};

fn vectors() -> Value {
    let copy = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vectors/signatures.json");
    let text = std::fs::read_to_string(&copy).unwrap();
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors/signatures.json");
    if let Ok(shared) = std::fs::read_to_string(&original) {
        assert_eq!(
            text, shared,
            "fixtures/vectors/signatures.json differs from ../shared/vectors: copy it again"
        );
    }
    serde_json::from_str(&text).unwrap()
}

fn body_of(case: &Value) -> Vec<u8> {
    match (case.get("body"), case.get("body_base64")) {
        (Some(Value::String(text)), _) => text.as_bytes().to_vec(),
        (_, Some(Value::String(b64))) => base64::engine::general_purpose::STANDARD.decode(b64).unwrap(),
        _ => panic!("case without a body: {case}"),
    }
}

#[test]
fn every_vector_signs_and_verifies_in_the_core() {
    let vectors = vectors();
    let mut failures = Vec::new();
    let cases = vectors["cases"].as_array().unwrap();
    assert!(cases.len() >= 9);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let body = body_of(case);
        let expected = case["x_signature"].as_str().unwrap();
        let secret_text = case["secret"].as_str().unwrap();
        let Some(secret) = Secret::new(secret_text) else {
            // The tool refuses an empty secret; the math is still checked.
            let mac = Scheme::DEFAULT.mac(b"", &body);
            if hex::encode(mac) != expected {
                failures.push(format!("{name}: MAC with the empty key differs"));
            }
            continue;
        };
        let signed = Scheme::DEFAULT.sign(&secret, &body);
        if signed != expected {
            failures.push(format!("{name}: signed {signed}, expected {expected}"));
        }
        let verdict = Scheme::DEFAULT.verify(std::slice::from_ref(&secret), &body, Some(expected));
        if verdict != (Verdict::Valid { secret_index: 0 }) {
            failures.push(format!("{name}: verify gave {verdict:?}"));
        }
    }
    assert!(failures.is_empty(), "failing vectors:\n{}", failures.join("\n"));
}

#[test]
fn every_vector_verifies_through_the_binary() {
    let vectors = vectors();
    let dir = Dir::new();
    let mut failures = Vec::new();
    for case in vectors["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let secret = case["secret"].as_str().unwrap();
        let payload = dir.write(&format!("{name}.body"), body_of(case));
        let signature = case["x_signature"].as_str().unwrap();
        let run = th(["verify", "--payload"]).run_args(&payload, signature, secret);
        let expected = if secret.is_empty() { 2 } else { 0 };
        if run.code != expected {
            failures.push(format!(
                "{name}: exit {} (expected {expected}): {}{}",
                run.code, run.stdout, run.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "failing vectors:\n{}", failures.join("\n"));
}

#[test]
fn every_header_form_is_accepted_or_rejected_as_listed() {
    let vectors = vectors();
    let forms = &vectors["header_forms"];
    let case_name = forms["body_of_case"].as_str().unwrap();
    let case = vectors["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == case_name)
        .unwrap();
    let body = body_of(case);
    let secret = Secret::new(case["secret"].as_str().unwrap()).unwrap();
    let secrets = std::slice::from_ref(&secret);
    let dir = Dir::new();
    let payload = dir.write("body", &body);
    let mut failures = Vec::new();

    let mut check = |list: &str, want_core: &dyn Fn(&Verdict) -> bool, want_exit: i32| {
        for form in forms[list].as_array().unwrap() {
            let form = form.as_str().unwrap();
            let verdict = Scheme::DEFAULT.verify(secrets, &body, Some(form));
            if !want_core(&verdict) {
                failures.push(format!("{list} {form:?}: core gave {verdict:?}"));
            }
            let run = th(["verify", "--payload"]).run_args(&payload, form, case["secret"].as_str().unwrap());
            if run.code != want_exit {
                failures.push(format!("{list} {form:?}: exit {} (expected {want_exit})", run.code));
            }
        }
    };
    check("accept", &|v| v.is_valid(), 0);
    check("reject_mismatch", &|v| *v == Verdict::Mismatch, 1);
    check("reject_malformed", &|v| matches!(v, Verdict::Malformed(_)), 1);

    let b64 = forms["base64_of_digest"].as_str().unwrap();
    if Scheme::DEFAULT.verify(secrets, &body, Some(b64)).is_valid() {
        failures.push("base64 digest accepted by the hex scheme".into());
    }
    let base64 = Scheme {
        encoding: Encoding::Base64,
        ..Scheme::DEFAULT
    };
    if !base64.verify(secrets, &body, Some(b64)).is_valid() {
        failures.push("base64 digest rejected by the base64 scheme".into());
    }
    assert!(failures.is_empty(), "failing header forms:\n{}", failures.join("\n"));
}

trait RunArgs {
    fn run_args(self, payload: &Path, signature: &str, secret: &str) -> crate::support::Run;
}

impl RunArgs for crate::support::Th {
    /// `verify --payload FILE --signature SIG` with the secret in the environment.
    fn run_args(self, payload: &Path, signature: &str, secret: &str) -> crate::support::Run {
        self.arg(payload)
            .arg("--signature")
            .arg(signature)
            .env("TECHRAR_WEBHOOK_SECRET", secret)
            .run()
    }
}
