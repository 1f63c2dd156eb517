//! A captured HTTP request, and the readers that turn capture files into them.
//!
//! Three inputs are understood, told apart by their first bytes (`sniff`):
//! raw HTTP/1.1 request text, HAR 1.2 exports, and our own JSONL log (whose
//! lines `record.rs` parses). Everything here is pure: bytes in, values out.
//! The body stays the exact bytes that were on the wire, de-chunked when the
//! capture used chunked transfer encoding.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;

use super::signature::HEADER;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Capture {
    pub method: String,
    /// The path, starting with `/`.
    pub path: String,
    /// The query string without its `?`; `None` when the target had none.
    pub query: Option<String>,
    /// Headers in the order received, repeats kept, names as written.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Capture {
    /// The first header with this name, compared case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `X-Signature` header, if present.
    pub fn signature(&self) -> Option<&str> {
        self.header(HEADER)
    }

    /// `/path?query`, as it appeared in the request line.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

/// Headers that describe one connection, not the request: never passed on
/// when forwarding or replaying (RFC 9110 §7.6.1), together with `Host` and
/// `Content-Length`, which the new connection sets itself.
pub const NOT_FORWARDED: [&str; 10] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "proxy-connection",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// Whether a header is passed on when a request is forwarded or replayed.
pub fn is_forwarded(name: &str) -> bool {
    !NOT_FORWARDED.iter().any(|n| n.eq_ignore_ascii_case(name)) && !name.eq_ignore_ascii_case("content-length")
}

/// The input formats a capture file can be in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    RawHttp,
    Har,
    /// Our JSON Lines log (see record.rs).
    Log,
}

/// What the formats we read are, for error messages.
pub const FORMATS: &str = "raw HTTP/1.1 request text, a HAR 1.2 file, or a techrar-hooks JSONL log";

/// Tells the format from the first bytes of an input (a few KiB is enough).
pub fn sniff(head: &[u8]) -> Result<Format, String> {
    let text = trim_start(head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head));
    if text.is_empty() {
        return Err("the input is empty".into());
    }
    if text[0] == b'{' {
        // Our writer always puts the format version first: `{"v":1,...`.
        let rest = trim_start(&text[1..]);
        if let Some(after) = rest.strip_prefix(b"\"v\"")
            && trim_start(after).first() == Some(&b':')
        {
            return Ok(Format::Log);
        }
        return Ok(Format::Har);
    }
    if looks_like_request_line(text) {
        return Ok(Format::RawHttp);
    }
    Err(format!("it is not {FORMATS}"))
}

fn trim_start(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[start..]
}

fn looks_like_request_line(text: &[u8]) -> bool {
    let line = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let Ok(line) = std::str::from_utf8(line) else {
        return false;
    };
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    !method.is_empty()
        && method.bytes().all(|b| b.is_ascii_uppercase())
        && !target.is_empty()
        && version.starts_with("HTTP/")
}

/// Reads one or more raw HTTP/1.x requests (pipelined requests follow each
/// other). Accepts CRLF or bare LF line ends and any header-name case; the
/// body is delimited by `Content-Length`, by chunked encoding, or else runs to
/// the end of the input.
pub fn parse_raw_http(input: &[u8]) -> Result<Vec<Capture>, String> {
    let mut rest = input;
    let mut captures = Vec::new();
    loop {
        rest = trim_start(rest);
        if rest.is_empty() {
            break;
        }
        let n = captures.len() + 1;
        let (capture, after) = parse_one_request(rest).map_err(|why| format!("request {n}: {why}"))?;
        captures.push(capture);
        rest = after;
    }
    if captures.is_empty() {
        return Err("the input is empty".into());
    }
    Ok(captures)
}

/// Splits off one line, without its `\n` or `\r\n`; `None` at the end of input.
fn next_line(input: &[u8]) -> Option<(&[u8], &[u8])> {
    if input.is_empty() {
        return None;
    }
    let (line, rest) = match input.iter().position(|&b| b == b'\n') {
        Some(i) => (&input[..i], &input[i + 1..]),
        None => (input, &input[input.len()..]),
    };
    Some((line.strip_suffix(b"\r").unwrap_or(line), rest))
}

fn parse_one_request(input: &[u8]) -> Result<(Capture, &[u8]), String> {
    let (line, mut rest) = next_line(input).ok_or("the input is empty")?;
    let line = String::from_utf8_lossy(line);
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("'{line}' is not a request line like 'POST /path HTTP/1.1'"));
    };
    if !version.starts_with("HTTP/") || method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("'{line}' is not a request line like 'POST /path HTTP/1.1'"));
    }
    let (path, query) = split_target(target);
    let mut capture = Capture {
        method: method.to_string(),
        path,
        query,
        ..Capture::default()
    };

    let mut line_no = 1;
    while let Some((line, after)) = next_line(rest) {
        rest = after;
        line_no += 1;
        if line.is_empty() {
            break;
        }
        if line[0] == b' ' || line[0] == b'\t' {
            // obsolete line folding: continues the previous header's value
            let Some(last) = capture.headers.last_mut() else {
                return Err(format!("line {line_no} continues a header, but none came before it"));
            };
            last.1.push(' ');
            last.1.push_str(String::from_utf8_lossy(line).trim());
            continue;
        }
        let colon = line.iter().position(|&b| b == b':').ok_or_else(|| {
            format!(
                "line {line_no} ('{}') is not a 'Name: value' header",
                String::from_utf8_lossy(line)
            )
        })?;
        let name = String::from_utf8_lossy(&line[..colon]).trim().to_string();
        if name.is_empty() || name.contains(char::is_whitespace) {
            return Err(format!("line {line_no} has no valid header name before its ':'"));
        }
        let value = String::from_utf8_lossy(&line[colon + 1..]).trim().to_string();
        capture.headers.push((name, value));
    }

    let chunked = capture
        .header("transfer-encoding")
        .is_some_and(|te| te.split(',').any(|t| t.trim().eq_ignore_ascii_case("chunked")));
    if chunked {
        let (body, after) = dechunk(rest)?;
        capture.body = body;
        return Ok((capture, after));
    }
    if let Some(length) = capture.header("content-length") {
        let length: usize = length
            .parse()
            .map_err(|_| format!("Content-Length '{length}' is not a number of bytes"))?;
        if rest.len() < length {
            return Err(format!(
                "the body has {} bytes, fewer than its Content-Length {length} (were line ends converted when the file was saved?)",
                rest.len()
            ));
        }
        capture.body = rest[..length].to_vec();
        return Ok((capture, &rest[length..]));
    }
    capture.body = rest.to_vec();
    Ok((capture, &rest[rest.len()..]))
}

/// Decodes a chunked body; returns it and what follows the final chunk and trailers.
fn dechunk(mut input: &[u8]) -> Result<(Vec<u8>, &[u8]), String> {
    let mut body = Vec::new();
    loop {
        let (line, rest) = next_line(input).ok_or("the chunked body ends before its last (zero-size) chunk")?;
        let size_text = String::from_utf8_lossy(line);
        let size_text = size_text.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| format!("'{size_text}' is not a hexadecimal chunk size"))?;
        input = rest;
        if size == 0 {
            // trailers, up to an empty line (or the end of input)
            while let Some((line, rest)) = next_line(input) {
                input = rest;
                if line.is_empty() {
                    break;
                }
            }
            return Ok((body, input));
        }
        if input.len() < size {
            return Err(format!(
                "a chunk announces {size} bytes but only {} follow",
                input.len()
            ));
        }
        body.extend_from_slice(&input[..size]);
        input = &input[size..];
        input = input
            .strip_prefix(b"\r\n")
            .or_else(|| input.strip_prefix(b"\n"))
            .ok_or("a chunk is not followed by a line end")?;
    }
}

/// Splits a request target or a full URL into path and query.
pub fn split_target(target: &str) -> (String, Option<String>) {
    let without_fragment = target.split('#').next().unwrap_or_default();
    let path_and_query = match without_fragment.find("://") {
        Some(i) => {
            let after_scheme = &without_fragment[i + 3..];
            match after_scheme.find(['/', '?']) {
                Some(j) => &after_scheme[j..],
                None => "",
            }
        }
        None => without_fragment,
    };
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (path_and_query, None),
    };
    let path = if path.starts_with('/') {
        path.to_string()
    } else {
        format!("/{path}")
    };
    (path, query)
}

/// Reads every POST request in a HAR 1.2 document, each with the URL it went to.
pub fn parse_har(input: &[u8]) -> Result<Vec<(String, Capture)>, String> {
    let doc: Value = serde_json::from_slice(input).map_err(|e| format!("it is JSON-like but does not parse: {e}"))?;
    let Some(entries) = doc.pointer("/log/entries").and_then(Value::as_array) else {
        if doc.get("event").is_some() || doc.get("data").is_some() {
            return Err("it is a bare JSON body, not a capture; pass it as --payload FILE with --signature SIG".into());
        }
        return Err(format!("it is JSON without HAR's log.entries, so not {FORMATS}"));
    };
    let mut captures = Vec::new();
    for (index, entry) in entries.iter().enumerate() {
        let request = entry
            .get("request")
            .ok_or_else(|| format!("HAR entry {} has no request", index + 1))?;
        let method = request.get("method").and_then(Value::as_str).unwrap_or_default();
        if !method.eq_ignore_ascii_case("POST") {
            continue;
        }
        let url = request.get("url").and_then(Value::as_str).unwrap_or("/").to_string();
        let (path, query) = split_target(&url);
        let headers = request
            .get("headers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|h| {
                Some((
                    h.get("name")?.as_str()?.to_string(),
                    h.get("value")?.as_str()?.to_string(),
                ))
            })
            // HTTP/2 pseudo-headers (:authority, :path) are not request headers
            .filter(|(name, _)| !name.starts_with(':'))
            .collect();
        let post = request.get("postData");
        let text = post
            .and_then(|p| p.get("text"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let base64 = post
            .and_then(|p| p.get("encoding"))
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("base64"));
        let body = if base64 {
            STANDARD
                .decode(text.trim())
                .map_err(|_| format!("HAR entry {} says base64 but its postData.text is not", index + 1))?
        } else {
            text.as_bytes().to_vec()
        };
        captures.push((
            url,
            Capture {
                method: "POST".into(),
                path,
                query,
                headers,
                body,
            },
        ));
    }
    if captures.is_empty() {
        return Err("the HAR file holds no POST request".into());
    }
    Ok(captures)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &str = r#"{"event":"test"}"#;

    #[test]
    fn sniffs_each_format() {
        assert_eq!(sniff(b"POST / HTTP/1.1\r\n"), Ok(Format::RawHttp));
        assert_eq!(sniff(b"\n  {\"log\": {}}"), Ok(Format::Har));
        assert_eq!(sniff(b"{\"v\":1,\"id\":1}\n"), Ok(Format::Log));
        assert_eq!(sniff(b"{ \"v\" : 1}"), Ok(Format::Log));
        assert!(sniff(b"hello world").is_err());
        assert!(sniff(b"  \n").is_err());
    }

    #[test]
    fn raw_crlf_and_lf_give_the_same_request() {
        let crlf = format!(
            "POST /hooks?a=1 HTTP/1.1\r\nHost: x\r\nx-signature: abc\r\nContent-Length: {}\r\n\r\n{BODY}",
            BODY.len()
        );
        let lf = crlf.replace("\r\n", "\n");
        let a = parse_raw_http(crlf.as_bytes()).unwrap();
        let b = parse_raw_http(lf.as_bytes()).unwrap();
        assert_eq!(a, b);
        assert_eq!(a[0].body, BODY.as_bytes());
        assert_eq!(a[0].signature(), Some("abc"));
        assert_eq!(a[0].target(), "/hooks?a=1");
    }

    #[test]
    fn chunked_and_pipelined() {
        let raw = "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"eve\r\nb;ext=1\r\nnt\":\"test\"}\r\n0\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}";
        let all = parse_raw_http(raw.as_bytes()).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].body, BODY.as_bytes());
        assert_eq!(all[1].path, "/b");
        assert!(
            parse_raw_http(b"POST / HTTP/1.1\nTransfer-Encoding: chunked\n\nzz\n")
                .unwrap_err()
                .contains("chunk size")
        );
        assert!(
            parse_raw_http(b"POST / HTTP/1.1\nContent-Length: 99\n\n{}")
                .unwrap_err()
                .contains("Content-Length")
        );
    }

    #[test]
    fn har_posts_only_with_base64() {
        let har = r#"{"log":{"entries":[
            {"request":{"method":"GET","url":"http://h/x","headers":[]}},
            {"request":{"method":"POST","url":"https://h:8443/hook?q=1","headers":[{"name":":authority","value":"h"},{"name":"X-Signature","value":"s"}],"postData":{"text":"AP8=","encoding":"base64"}}}
        ]}}"#;
        let all = parse_har(har.as_bytes()).unwrap();
        assert_eq!(all.len(), 1);
        let c = &all[0].1;
        assert_eq!((c.path.as_str(), c.query.as_deref()), ("/hook", Some("q=1")));
        assert_eq!(c.body, vec![0, 255]);
        assert_eq!(c.headers.len(), 1);
        assert!(
            parse_har(br#"{"event":"x","data":{}}"#)
                .unwrap_err()
                .contains("--payload")
        );
    }

    #[test]
    fn split_target_forms() {
        assert_eq!(split_target("http://h"), ("/".into(), None));
        assert_eq!(split_target("http://h?x"), ("/".into(), Some("x".into())));
        assert_eq!(split_target("/p#frag"), ("/p".into(), None));
    }
}
