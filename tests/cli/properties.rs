//! Property tests over the pure core: what we sign we verify (and nothing
//! else), and a captured request survives capture → log record → capture
//! byte for byte.

use proptest::collection::vec;
use proptest::prelude::*;
use techrar_hooks::core::capture::{Capture, parse_raw_http};
use techrar_hooks::core::record::{Record, parse_line};
use techrar_hooks::core::secret::Secret;
use techrar_hooks::core::signature::{Algorithm, Encoding, Scheme, Verdict};

fn scheme() -> impl Strategy<Value = Scheme> {
    (0..3usize, 0..2usize).prop_map(|(a, e)| Scheme {
        algorithm: Algorithm::ALL[a],
        encoding: Encoding::ALL[e],
    })
}

fn header_name() -> impl Strategy<Value = String> {
    vec(
        prop::sample::select(b"abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_".to_vec()),
        1..20,
    )
    .prop_map(|b| String::from_utf8(b).unwrap())
}

fn header_value() -> impl Strategy<Value = String> {
    // printable ASCII without surrounding spaces (HTTP trims those)
    vec(0x21u8..0x7f, 0..40).prop_map(|b| String::from_utf8(b).unwrap())
}

fn capture() -> impl Strategy<Value = Capture> {
    (
        prop::sample::select(vec!["POST", "PUT", "GET"]),
        vec(prop::sample::select(b"abcxyz/-_.~0189".to_vec()), 0..30),
        prop::option::of(vec(prop::sample::select(b"a=1&b=%20x".to_vec()), 0..20)),
        vec((header_name(), header_value()), 0..8),
        vec(any::<u8>(), 0..2048),
    )
        .prop_map(|(method, path, query, headers, body)| Capture {
            method: method.to_string(),
            path: format!("/{}", String::from_utf8(path).unwrap()),
            query: query.map(|q| String::from_utf8(q).unwrap()),
            headers,
            body,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn what_we_sign_we_verify_and_one_flipped_bit_we_reject(
        scheme in scheme(),
        key in "[ -~]{1,80}",
        body in vec(any::<u8>(), 0..4096),
        flip in any::<prop::sample::Index>(),
    ) {
        let secret = Secret::new(&key).unwrap();
        let secrets = [secret.clone()];
        let signature = scheme.sign(&secret, &body);
        prop_assert_eq!(scheme.verify(&secrets, &body, Some(&signature)), Verdict::Valid { secret_index: 0 });
        let padded = format!("  {signature}\n");
        prop_assert!(scheme.verify(&secrets, &body, Some(&padded)).is_valid());
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[flip.index(body.len())] ^= 1;
            prop_assert_eq!(scheme.verify(&secrets, &tampered, Some(&signature)), Verdict::Mismatch);
        }
    }

    #[test]
    fn capture_survives_a_log_record_byte_for_byte(capture in capture(), id in 1u64..u64::MAX / 2) {
        let record = Record::from_capture(id, "2026-12-04T10:00:00.000Z".into(), &capture);
        let line = record.to_line();
        prop_assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1, "one line per record");
        let back = parse_line(&line[..line.len() - 1]).unwrap();
        prop_assert_eq!(back.capture(), capture);
    }

    #[test]
    fn capture_survives_raw_http_text(capture in capture()) {
        // a header named like Content-Length or Transfer-Encoding changes framing; skip those cases
        prop_assume!(!capture.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("content-length") || n.eq_ignore_ascii_case("transfer-encoding")));
        let mut raw = format!("{} {} HTTP/1.1\r\n", capture.method, capture.target()).into_bytes();
        for (name, value) in &capture.headers {
            raw.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        raw.extend_from_slice(format!("Content-Length: {}\r\n\r\n", capture.body.len()).as_bytes());
        raw.extend_from_slice(&capture.body);
        let mut back = parse_raw_http(&raw).unwrap();
        prop_assert_eq!(back.len(), 1);
        let mut read = back.remove(0);
        read.headers.pop(); // the Content-Length we added
        prop_assert_eq!(read, capture);
    }
}
