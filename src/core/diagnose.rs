//! Why did a signature not match? The usual causes, tried one by one.
//!
//! A mismatch is the daily pain of webhook work and the MAC itself says
//! nothing, so on a mismatch we recompute the MAC over what the sender most
//! likely signed (another scheme, another secret, the body before a newline,
//! line-end conversion or JSON re-serialisation changed it) and name the first
//! cause that reproduces the signature. Also `--detect`, which finds the
//! scheme a real delivery uses.

use serde_json::Value;

use super::json_forms::FORMS;
use super::secret::Secret;
use super::signature::Scheme;

/// A secret that was available but not in use, e.g. `TECHRAR_WEBHOOK_SECRET`
/// when `--secret` overrode it. `label` names its source, never its value.
pub struct OtherSecret {
    pub label: String,
    pub secret: Secret,
}

/// Which schemes (and which secret, by position) reproduce `header` over `body` exactly.
pub fn detect(secrets: &[Secret], body: &[u8], header: &str) -> Vec<(Scheme, usize)> {
    Scheme::all()
        .filter_map(|scheme| {
            let claimed = scheme.decode_header(header).ok()?;
            let index = secrets
                .iter()
                .position(|s| scheme.matches(s.expose(), body, &claimed))?;
            Some((scheme, index))
        })
        .collect()
}

/// The flags that select a scheme, for hints.
pub fn scheme_flags(scheme: Scheme) -> String {
    format!(
        "--algorithm {} --encoding {}",
        scheme.algorithm.name(),
        scheme.encoding.name()
    )
}

/// A one-line explanation of a mismatch (or malformed header), when one of the
/// usual causes reproduces the signature.
pub fn explain(
    scheme: Scheme,
    secrets: &[Secret],
    others: &[OtherSecret],
    body: &[u8],
    header: &str,
) -> Option<String> {
    let matches_with = |scheme: Scheme, key: &[u8], body: &[u8]| {
        scheme
            .decode_header(header)
            .is_ok_and(|claimed| scheme.matches(key, body, &claimed))
    };
    let any_secret = |body: &[u8]| secrets.iter().any(|s| matches_with(scheme, s.expose(), body));

    if let Some((other, index)) = detect(secrets, body, header).into_iter().find(|(s, _)| *s != scheme) {
        return Some(format!(
            "the signature is {other} of the body with secret #{}, not {scheme}: pass {}",
            index + 1,
            scheme_flags(other)
        ));
    }
    for (index, secret) in secrets.iter().enumerate() {
        if let Some(trimmed) = secret.trimmed()
            && matches_with(scheme, trimmed.expose(), body)
        {
            return Some(format!(
                "secret #{} has surrounding whitespace or a newline; the sender signed with it trimmed: remove it",
                index + 1
            ));
        }
    }
    for other in others {
        if matches_with(scheme, other.secret.expose(), body) {
            return Some(format!(
                "the signature matches {}, not the secret(s) given: check which secret this webhook uses",
                other.label
            ));
        }
    }
    for (variant, cause) in body_variants(body) {
        if any_secret(&variant) {
            return Some(cause);
        }
    }
    None
}

/// What the sender may have signed, given the body we have, with the cause in words.
fn body_variants(body: &[u8]) -> Vec<(Vec<u8>, String)> {
    const RAW: &str = "verify the raw request bytes, before any parsing or editing";
    let mut variants = Vec::new();
    if let Some(stripped) = body.strip_suffix(b"\r\n").or_else(|| body.strip_suffix(b"\n")) {
        variants.push((
            stripped.to_vec(),
            format!("the body has a trailing newline the sender did not sign (an editor or a shell added it): {RAW}"),
        ));
    } else {
        let mut with = body.to_vec();
        with.push(b'\n');
        variants.push((
            with,
            format!("the signed body ended with a newline that this body lacks: {RAW}"),
        ));
    }
    if body.windows(2).any(|w| w == b"\r\n") {
        let lf = replace(body, b"\r\n", b"\n");
        variants.push((
            lf,
            format!("the body's line ends were converted from LF to CRLF after signing: {RAW}"),
        ));
    } else if body.contains(&b'\n') {
        let crlf = replace(body, b"\n", b"\r\n");
        variants.push((
            crlf,
            format!("the body's line ends were converted from CRLF to LF after signing: {RAW}"),
        ));
    }
    if let Ok(value) = serde_json::from_slice::<Value>(body) {
        for form in FORMS {
            let written = form.write(&value);
            if written != body {
                variants.push((
                    written,
                    format!(
                        "the sender signed the JSON {}; this body was re-serialised after it arrived: {RAW}",
                        form.name
                    ),
                ));
            }
        }
    }
    variants
}

fn replace(haystack: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(haystack.len() + haystack.len() / 16);
    let mut i = 0;
    while i < haystack.len() {
        if haystack[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(haystack[i]);
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::signature::{Algorithm, Encoding};

    const SIGNED: &[u8] = r#"{"app_id":123,"event":"test","data":{"name_ar":"عرض"}}"#.as_bytes();

    fn key() -> Secret {
        Secret::new("k").unwrap()
    }

    fn explain_for(captured: &[u8], signature: &str) -> String {
        explain(Scheme::DEFAULT, &[key()], &[], captured, signature).unwrap_or_default()
    }

    #[test]
    fn names_each_body_cause() {
        let sig = Scheme::DEFAULT.sign(&key(), SIGNED);
        let mut newline = SIGNED.to_vec();
        newline.push(b'\n');
        assert!(explain_for(&newline, &sig).contains("trailing newline"));
        let pretty = serde_json::to_vec_pretty(&serde_json::from_slice::<Value>(SIGNED).unwrap()).unwrap();
        assert!(explain_for(&pretty, &sig).contains("compact"));
        let crlf_signed = b"a\r\nb";
        let sig = Scheme::DEFAULT.sign(&key(), crlf_signed);
        assert!(explain_for(b"a\nb", &sig).contains("CRLF to LF"));
    }

    #[test]
    fn names_scheme_and_secret_causes() {
        let sha512 = Scheme {
            algorithm: Algorithm::Sha512,
            encoding: Encoding::Base64,
        };
        let sig = sha512.sign(&key(), SIGNED);
        assert!(explain_for(SIGNED, &sig).contains("--algorithm sha512 --encoding base64"));
        assert_eq!(detect(&[key()], SIGNED, &sig), vec![(sha512, 0)]);

        let padded = Secret::new("k\n").unwrap();
        let sig = Scheme::DEFAULT.sign(&key(), SIGNED);
        assert!(
            explain(Scheme::DEFAULT, &[padded], &[], SIGNED, &sig)
                .unwrap()
                .contains("secret #1 has surrounding")
        );

        let other = OtherSecret {
            label: "TECHRAR_WEBHOOK_SECRET".into(),
            secret: key(),
        };
        let wrong = Secret::new("nope").unwrap();
        let hint = explain(Scheme::DEFAULT, &[wrong], &[other], SIGNED, &sig).unwrap();
        assert!(hint.contains("TECHRAR_WEBHOOK_SECRET"));
        assert!(explain_for(SIGNED, &"0".repeat(64)).is_empty());
    }
}
