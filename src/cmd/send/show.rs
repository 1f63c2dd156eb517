//! `--dry-run` and `--print-curl`: the signed request, shown instead of sent.
//! The signature appears; the secret never does (only `Job::sign` sees it).

use std::fmt::Write as _;

use super::Job;
use crate::error::Result;
use crate::output::{self, Output};

/// The request as it goes on the wire: request line, headers, a blank line,
/// the body. Piped into `techrar-hooks verify -`, it verifies.
pub fn dry_run(job: &Job, out: &Output) -> Result<()> {
    let body = job.body(0);
    let signature = job.sign(&body);
    let url = &job.plan.url;
    let target = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    out.line(&format!("POST {target} HTTP/1.1"))?;
    out.line(&format!("Host: {}", host(url)))?;
    for (name, value) in job.headers(Some(&signature)) {
        out.line(&format!("{name}: {value}"))?;
    }
    out.line(&format!("Content-Length: {}", body.len()))?;
    out.line("")?;
    out.line(&String::from_utf8_lossy(&body))?;
    out.note(&format!(
        "not sent (--dry-run): {} of {} to {}",
        output::size(body.len()),
        job.event,
        url
    ));
    Ok(())
}

/// A curl command line that sends the same bytes with the same headers. The
/// body goes inline in single quotes: compact JSON has no newline and starts
/// with `{`, so curl neither reads a file (`@`) nor changes a byte.
pub fn curl(job: &Job, out: &Output) -> Result<()> {
    let body = job.body(0);
    let signature = job.sign(&body);
    let mut command = format!(
        "curl -i -X POST --max-time {} {}",
        seconds(job.plan.timeout),
        quote(job.plan.url.as_str())
    );
    for (name, value) in job.headers(Some(&signature)) {
        let _ = write!(command, " \\\n  -H {}", quote(&format!("{name}: {value}")));
    }
    let _ = write!(
        command,
        " \\\n  --data-binary {}",
        quote(&String::from_utf8_lossy(&body))
    );
    out.line(&command)
}

/// `host[:port]` as the Host header carries it (the port only when not the default).
fn host(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// A duration in seconds for curl's --max-time: `10`, `0.3`.
fn seconds(duration: std::time::Duration) -> String {
    let text = format!("{:.3}", duration.as_secs_f64());
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Quotes `text` as one word for a POSIX shell: bare when only safe
/// characters, else in single quotes (a `'` inside becomes `'\''`).
pub fn quote(text: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !text.is_empty() && text.chars().all(safe) {
        return text.to_string();
    }
    format!("'{}'", text.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_quoting() {
        assert_eq!(quote("http://127.0.0.1:4000/"), "http://127.0.0.1:4000/");
        assert_eq!(quote("X-Auth: a b"), "'X-Auth: a b'");
        assert_eq!(quote(r#"{"note":"it's $HOME"}"#), r#"'{"note":"it'\''s $HOME"}'"#);
        assert_eq!(quote(""), "''");
        assert_eq!(quote("https://x.example/h?a=1&b=2"), "'https://x.example/h?a=1&b=2'");
    }

    #[test]
    fn seconds_for_curl() {
        use std::time::Duration;
        assert_eq!(seconds(Duration::from_secs(10)), "10");
        assert_eq!(seconds(Duration::from_millis(300)), "0.3");
        assert_eq!(seconds(Duration::from_millis(1250)), "1.25");
    }
}
