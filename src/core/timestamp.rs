//! Giving a captured envelope a new `timestamp` without touching its other bytes.
//!
//! `replay --refresh-timestamp` must not re-serialise the JSON: a serialiser
//! would reorder or re-space keys, rewrite number forms (`1.0`, `1e3`) and
//! string escapes (`\u00e9`, `\/`), so the replay would no longer be the
//! delivery that was captured. Receivers differ in exactly those details (a
//! handler that hashes a re-serialised body is the classic signature bug), and
//! a replay exists to reproduce what arrived. So we find the top-level
//! `"timestamp"` value's byte range and splice the new digits into it: every
//! other byte, nested `timestamp` keys included, stays as it was, and a diff
//! of old and new bodies shows the one change.

use std::ops::Range;

/// The body with its top-level `timestamp` set to `now`, or why it cannot be.
pub fn refresh(body: &[u8], now: i64) -> Result<Vec<u8>, String> {
    let (span, quoted) = find(body)?;
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&body[..span.start]);
    if quoted {
        // "1640000000" stays a string of digits, as the sender wrote it
        out.extend_from_slice(format!("\"{now}\"").as_bytes());
    } else {
        out.extend_from_slice(now.to_string().as_bytes());
    }
    out.extend_from_slice(&body[span.end..]);
    Ok(out)
}

/// The byte range of the top-level `timestamp` value, and whether it is a
/// quoted string of digits.
fn find(body: &[u8]) -> Result<(Range<usize>, bool), String> {
    // Validating first lets the scanner below assume well-formed JSON.
    if serde_json::from_slice::<serde::de::IgnoredAny>(body).is_err() {
        return Err("the body is not JSON, so it has no envelope timestamp to refresh".into());
    }
    let not_envelope = || "the body is not a Techrar envelope with a top-level \"timestamp\"".to_string();
    let mut at = skip_space(body, 0);
    if body.get(at) != Some(&b'{') {
        return Err(not_envelope());
    }
    at += 1;
    let mut found = None;
    loop {
        at = skip_space(body, at);
        match body.get(at) {
            Some(b'}') | None => break,
            Some(b',') => {
                at += 1;
                continue;
            }
            _ => {}
        }
        let key_end = skip_value(body, at);
        let is_timestamp = serde_json::from_slice::<String>(&body[at..key_end]).is_ok_and(|key| key == "timestamp");
        at = skip_space(body, key_end);
        at = skip_space(body, at + 1); // the ':'
        let value_end = skip_value(body, at);
        if is_timestamp {
            if found.is_some() {
                return Err("the body has two top-level \"timestamp\" keys; which one counts is ambiguous".into());
            }
            found = Some(at..value_end);
        }
        at = value_end;
    }
    let span = found.ok_or_else(not_envelope)?;
    let value = &body[span.clone()];
    match value.first() {
        Some(b'-' | b'0'..=b'9') => Ok((span, false)),
        Some(b'"') if value.len() > 2 && value[1..value.len() - 1].iter().all(u8::is_ascii_digit) => Ok((span, true)),
        _ => Err(format!(
            "the envelope's timestamp is {}, not a number of Unix seconds",
            String::from_utf8_lossy(value)
        )),
    }
}

fn skip_space(body: &[u8], mut at: usize) -> usize {
    while body.get(at).is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// The end of the (well-formed) JSON value starting at `at`.
fn skip_value(body: &[u8], mut at: usize) -> usize {
    let mut depth = 0usize;
    loop {
        match body.get(at) {
            None => return at,
            Some(b'"') => {
                at += 1;
                while let Some(&b) = body.get(at) {
                    at += if b == b'\\' { 2 } else { 1 };
                    if b == b'"' {
                        break;
                    }
                }
                if depth == 0 {
                    return at;
                }
                continue;
            }
            Some(b'{' | b'[') => depth += 1,
            Some(b'}' | b']') if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return at + 1;
                }
            }
            Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') if depth == 0 => return at,
            _ => {}
        }
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(body: &str, now: i64) -> Result<String, String> {
        refresh(body.as_bytes(), now).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn only_the_top_level_timestamp_changes() {
        let body = r#"{ "data" : {"timestamp": 5, "note": "\"timestamp\": 7", "list": [1, {"timestamp": 8}]},
  "timestamp" : 1640000000 , "event":"m.order.completed", "k\u00e9y": 1.50}"#;
        let want = body.replace("1640000000", "1765000000");
        assert_eq!(text(body, 1765000000).unwrap(), want);
    }

    #[test]
    fn forms_of_the_value() {
        assert_eq!(text(r#"{"timestamp":"1"}"#, 42).unwrap(), r#"{"timestamp":"42"}"#);
        assert_eq!(text(r#"{"timestamp":-1.5e3}"#, 42).unwrap(), r#"{"timestamp":42}"#);
        assert_eq!(text("{\"timestamp\":1}", 42).unwrap(), "{\"timestamp\":42}");
        assert_eq!(text(r#"{"time\u0073tamp":1}"#, 42).unwrap(), r#"{"time\u0073tamp":42}"#);
    }

    #[test]
    fn bodies_without_a_timestamp_say_why() {
        let cases = [
            ("not json", "not JSON"),
            ("[1]", "not a Techrar envelope"),
            (r#"{"data":{"timestamp":1}}"#, "not a Techrar envelope"),
            (r#"{"timestamp":null}"#, "is null"),
            (r#"{"timestamp":"soon"}"#, "not a number"),
            (r#"{"timestamp":1,"timestamp":2}"#, "two top-level"),
        ];
        for (body, why) in cases {
            let e = text(body, 1).unwrap_err();
            assert!(e.contains(why), "{body}: {e}");
        }
        assert!(refresh(&[0xff, 0x00], 1).unwrap_err().contains("not JSON"));
    }
}
