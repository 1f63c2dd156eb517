//! `listen`'s flags, checked: everything that can be wrong with them is found
//! here, before the log is opened or a socket bound, and reported as one line
//! naming the flag (exit 2).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue};

use crate::cli::{ListenArgs, PrintWhat};
use crate::config;
use crate::core::secret::Secret;
use crate::core::signature::Scheme;
use crate::error::{Error, Result};

use super::forward::Forwarder;

/// What `listen` does, decided from its flags.
pub struct Settings {
    pub addr: SocketAddr,
    pub path: Option<String>,
    pub log: Option<PathBuf>,
    pub fsync: bool,
    pub status: Option<u16>,
    pub delay: Option<Duration>,
    pub accept_all: bool,
    pub max_body: usize,
    /// How long a client may take over a request head, or over a body.
    pub read_timeout: Duration,
    pub required: Vec<(HeaderName, HeaderValue)>,
    pub forward: Option<Forwarder>,
    pub print: PrintWhat,
    pub events: Vec<glob::Pattern>,
    pub json: bool,
    pub scheme: Scheme,
    /// Empty when no secret was given: every verdict is then `unchecked`.
    pub secrets: Vec<Secret>,
    /// Advice on how the secrets were passed, printed once at start.
    pub secret_warnings: Vec<String>,
}

impl Settings {
    pub fn from_args(args: &ListenArgs) -> Result<Settings> {
        let invalid = |flag: &'static str, why: String| Error::FlagInvalid { flag, why };
        // An address, not a name to look up: no DNS, and no doubt about which
        // interface is meant.
        let ip: IpAddr = match args.host.as_str() {
            "localhost" => IpAddr::V4(Ipv4Addr::LOCALHOST),
            host => host.trim_matches(['[', ']']).parse().map_err(|_| {
                invalid(
                    "--host",
                    format!("'{host}' is not an IP address like 127.0.0.1, 0.0.0.0 or ::1"),
                )
            })?,
        };
        let addr = SocketAddr::new(ip, args.port);
        if let Some(path) = &args.path
            && (!path.starts_with('/') || path.contains(['?', '#', ' ']))
        {
            return Err(invalid(
                "--path",
                format!("'{path}' is not a URL path like /webhooks/techrar"),
            ));
        }
        let required = args
            .require_headers
            .iter()
            .map(|(name, value)| {
                let name = HeaderName::try_from(name.as_str())
                    .map_err(|_| invalid("--require-header", format!("'{name}' is not a valid header name")))?;
                let value = HeaderValue::try_from(value.as_str()).map_err(|_| {
                    invalid(
                        "--require-header",
                        format!("the value for {name} is not a valid header value"),
                    )
                })?;
                Ok((name, value))
            })
            .collect::<Result<Vec<_>>>()?;
        let events = args
            .events
            .iter()
            .map(|text| {
                glob::Pattern::new(text)
                    .map_err(|e| invalid("--events", format!("'{text}' is not a glob pattern: {e}")))
            })
            .collect::<Result<Vec<_>>>()?;
        let forward = match &args.forward_to {
            Some(url) => Some(
                Forwarder::new(url, args.forward_exact, args.forward_timeout)
                    .map_err(|why| invalid("--forward-to", why))?,
            ),
            None => None,
        };
        if args.forward_timeout.is_zero() {
            return Err(invalid("--forward-timeout", "it must be longer than 0s".into()));
        }
        if args.read_timeout.is_zero() {
            return Err(invalid("--read-timeout", "it must be longer than 0s".into()));
        }
        if !args.no_log && args.log.as_os_str().is_empty() {
            return Err(invalid(
                "--log",
                "the path is empty; pass --no-log to keep no log".into(),
            ));
        }
        let secrets = config::secrets(&args.secret, false)?;
        Ok(Settings {
            addr,
            path: args.path.clone(),
            log: (!args.no_log).then(|| args.log.clone()),
            fsync: args.fsync,
            status: args.status,
            delay: args.delay.filter(|d| !d.is_zero()),
            accept_all: args.accept_all,
            max_body: args.max_body,
            read_timeout: args.read_timeout,
            required,
            forward,
            print: args.print,
            events,
            json: args.json,
            scheme: config::scheme(&args.scheme),
            secrets: secrets.list,
            secret_warnings: secrets.warnings,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::cli::parse_size;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("512KiB"), Ok(512 << 10));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2MB"), Ok(2_000_000));
        assert_eq!(parse_size(" 1024 "), Ok(1024));
        assert_eq!(parse_size("10 b"), Ok(10));
        for bad in ["0", "", "MiB", "1.5MiB", "1 parsec", "-1", "99999999999999999999"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }
}
