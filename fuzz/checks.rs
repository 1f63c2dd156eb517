//! The invariants each fuzz target checks, shared with the regression test
//! (tests/cli/fuzz_regressions.rs) that replays every input that once failed.

use techrar_hooks::core::capture::{parse_har, parse_raw_http, sniff};
use techrar_hooks::core::record::parse_line;
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::Scheme;

/// Raw HTTP reader: never panics; what it reads is self-consistent.
pub fn raw_http(data: &[u8]) {
    let _ = sniff(data);
    if let Ok(captures) = parse_raw_http(data) {
        for capture in captures {
            assert!(capture.path.starts_with('/'));
            assert!(capture.body.len() <= data.len());
        }
    }
}

/// HAR reader: never panics, only POST entries come out.
pub fn har(data: &[u8]) {
    if let Ok(captures) = parse_har(data) {
        assert!(captures.iter().all(|(_, c)| c.method == "POST"));
    }
}

/// Log line reader: a record it accepts writes back to a line that reads as
/// the same record with the same body bytes.
pub fn log_record(data: &[u8]) {
    if let Ok(record) = parse_line(data) {
        let line = record.to_line();
        let again = parse_line(&line[..line.len() - 1]).expect("a written line reads back");
        assert_eq!(again.body_bytes(), record.body_bytes());
        assert_eq!(again.id, record.id);
    }
}

/// Signature header parsing under every scheme: never panics, an accepted
/// header decodes to exactly the MAC, and what we sign we verify.
pub fn signature_header(data: &[u8]) {
    let (header, body) = data.split_at(data.len().min(200));
    let Ok(header) = std::str::from_utf8(header) else {
        return;
    };
    let secret = Secret::new("fuzz-secret").unwrap();
    let secrets = std::slice::from_ref(&secret);
    for scheme in Scheme::all() {
        if let Ok(bytes) = scheme.decode_header(header) {
            assert_eq!(bytes.len(), scheme.algorithm.digest_len());
        }
        if scheme.verify(secrets, body, Some(header)).is_valid() {
            assert_eq!(scheme.decode_header(header).unwrap(), scheme.mac(secret.expose(), body));
        }
        let signed = scheme.sign(&secret, body);
        assert!(
            scheme.verify(secrets, body, Some(&signed)).is_valid(),
            "{scheme} rejects its own {signed}"
        );
    }
}
