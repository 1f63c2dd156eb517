//! Turning a captured request into the request `replay` sends: where it goes,
//! which headers it keeps, and which bytes (original, or with a new timestamp
//! and signature).

use bytes::Bytes;

use crate::core::capture::{Capture, is_forwarded};
use crate::core::secret::Secret;
use crate::core::signature::{HEADER, Scheme};
use crate::core::timestamp;
use crate::deliver::{self, Plan, Request};

/// Everything that is the same for every request of one replay.
pub struct Builder {
    pub plan: Plan,
    /// Send to `plan.url` as given, without the capture's path and query.
    pub to_exact: bool,
    /// Sign again with this, replacing X-Signature (`--resign`).
    pub signer: Option<(Scheme, Secret)>,
    /// Set the envelope timestamp to now first (`--refresh-timestamp`).
    pub refresh_timestamp: bool,
}

impl Builder {
    /// The request to send for `capture`; `now` is the new timestamp, if one is set.
    pub fn build(&self, capture: &Capture, now: i64) -> Result<Request, String> {
        let method = reqwest::Method::from_bytes(capture.method.as_bytes())
            .map_err(|_| format!("'{}' is not an HTTP method", capture.method))?;
        let body = if self.refresh_timestamp {
            timestamp::refresh(&capture.body, now).map_err(|why| format!("cannot refresh the timestamp: {why}"))?
        } else {
            capture.body.clone()
        };
        let mut headers: Vec<(String, String)> = capture
            .headers
            .iter()
            .filter(|(name, _)| is_forwarded(name))
            .cloned()
            .collect();
        if let Some((scheme, secret)) = &self.signer {
            set_header(&mut headers, HEADER, &scheme.sign(secret, &body));
        }
        for (name, value) in &self.plan.headers {
            set_header(&mut headers, name, value);
        }
        let url = if self.to_exact {
            self.plan.url.clone()
        } else {
            join_url(&self.plan.url, &capture.path, capture.query.as_deref())
        };
        Ok(Request {
            method,
            url,
            // A header map sends the repeats of one name together, at the first's
            // place: only their order among themselves carries meaning (RFC 9110 §5.3).
            headers: deliver::header_map(&headers)?,
            body: Bytes::from(body),
        })
    }
}

/// Sets `name` to `value`, matching names case-insensitively: the first
/// occurrence keeps its place (and spelling), later repeats go; a new name goes last.
pub fn set_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    let mut seen = false;
    headers.retain_mut(|(n, v)| {
        if !n.eq_ignore_ascii_case(name) {
            return true;
        }
        if seen {
            return false;
        }
        seen = true;
        *v = value.to_string();
        true
    });
    if !seen {
        headers.push((name.to_string(), value.to_string()));
    }
}

/// `base` with the captured path appended to its path and the captured query
/// after its own: `--to http://app/webhooks` + `/techrar?a=1` is
/// `http://app/webhooks/techrar?a=1`. A bare `/` adds nothing, so
/// `--to http://app/webhooks` keeps its exact path for requests to `/`.
pub fn join_url(base: &url::Url, path: &str, query: Option<&str>) -> url::Url {
    let mut url = base.clone();
    if !path.is_empty() && path != "/" {
        let joined = format!("{}{}", base.path().trim_end_matches('/'), path);
        url.set_path(&joined);
    }
    if let Some(query) = query {
        let query = match base.query() {
            Some(own) if !own.is_empty() => format!("{own}&{query}"),
            _ => query.to_string(),
        };
        url.set_query(Some(&query));
    }
    url
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn url(text: &str) -> url::Url {
        url::Url::parse(text).unwrap()
    }

    #[test]
    fn paths_and_queries_are_appended() {
        let cases = [
            (
                "http://h:4000/",
                "/webhooks/techrar",
                Some("a=1"),
                "http://h:4000/webhooks/techrar?a=1",
            ),
            ("http://h/base", "/hooks", None, "http://h/base/hooks"),
            ("http://h/base/", "/hooks", None, "http://h/base/hooks"),
            ("http://h/base", "/", None, "http://h/base"),
            (
                "http://h/base?k=v",
                "/hooks",
                Some("a=1"),
                "http://h/base/hooks?k=v&a=1",
            ),
            ("http://h/", "/p%20q", Some("x=%2F"), "http://h/p%20q?x=%2F"),
        ];
        for (base, path, query, want) in cases {
            assert_eq!(join_url(&url(base), path, query).as_str(), want, "{base} + {path}");
        }
    }

    #[test]
    fn set_header_replaces_in_place_case_insensitively() {
        let mut headers = vec![
            ("x-signature".to_string(), "old".to_string()),
            ("X-A".to_string(), "1".to_string()),
            ("X-Signature".to_string(), "older".to_string()),
        ];
        set_header(&mut headers, "X-Signature", "new");
        set_header(&mut headers, "X-B", "2");
        let names: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(names, [("x-signature", "new"), ("X-A", "1"), ("X-B", "2")]);
    }

    #[test]
    fn builds_exact_or_resigned() {
        let body = br#"{"app_id":1, "timestamp":10,"event":"test","data":{}}"#.to_vec();
        let capture = Capture {
            method: "POST".into(),
            path: "/hooks".into(),
            query: Some("a=1".into()),
            headers: vec![
                ("Host".into(), "prod.example".into()),
                ("Content-Length".into(), "999".into()),
                ("X-Signature".into(), "original".into()),
                ("X-Auth-Token".into(), "t".into()),
            ],
            body: body.clone(),
        };
        let plan = Plan {
            url: url("http://127.0.0.1:9/"),
            headers: vec![("x-auth-token".into(), "u".into())],
            timeout: Duration::from_secs(1),
            retries: Vec::new(),
        };
        let secret = Secret::new("k").unwrap();
        let mut builder = Builder {
            plan,
            to_exact: false,
            signer: None,
            refresh_timestamp: false,
        };
        let exact = builder.build(&capture, 0).unwrap();
        assert_eq!(exact.url.as_str(), "http://127.0.0.1:9/hooks?a=1");
        assert_eq!(exact.body.as_ref(), body.as_slice());
        assert_eq!(exact.headers["x-signature"], "original");
        assert_eq!(exact.headers["x-auth-token"], "u");
        assert!(exact.headers.get("host").is_none() && exact.headers.get("content-length").is_none());

        builder.signer = Some((Scheme::DEFAULT, secret.clone()));
        builder.refresh_timestamp = true;
        builder.to_exact = true;
        let fresh = builder.build(&capture, 77).unwrap();
        let want = String::from_utf8(body).unwrap().replace(":10,", ":77,");
        assert_eq!(fresh.body.as_ref(), want.as_bytes());
        assert_eq!(
            fresh.headers["x-signature"],
            Scheme::DEFAULT.sign(&secret, want.as_bytes())
        );
        assert_eq!(fresh.url.as_str(), "http://127.0.0.1:9/");

        let binary = Capture {
            body: vec![0, 255],
            ..capture
        };
        assert!(builder.build(&binary, 1).unwrap_err().contains("not JSON"));
    }
}
