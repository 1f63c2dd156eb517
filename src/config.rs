//! Turns the shared flags into checked values before any work starts, so a
//! bad flag fails in milliseconds with one line.

use std::path::Path;

use crate::cli::{AlgorithmArg, EncodingArg, SchemeArgs, SecretArgs};
use crate::core::diagnose::OtherSecret;
use crate::core::secret::Secret;
use crate::core::signature::{Algorithm, Encoding, Scheme};
use crate::error::{Error, Result, describe_io};

pub const SECRET_ENV: &str = "TECHRAR_WEBHOOK_SECRET";

pub fn scheme(args: &SchemeArgs) -> Scheme {
    Scheme {
        algorithm: match args.algorithm {
            AlgorithmArg::Sha256 => Algorithm::Sha256,
            AlgorithmArg::Sha512 => Algorithm::Sha512,
            AlgorithmArg::Sha1 => Algorithm::Sha1,
        },
        encoding: match args.encoding {
            EncodingArg::Hex => Encoding::Hex,
            EncodingArg::Base64 => Encoding::Base64,
        },
    }
}

/// The secrets in use, and those available but overridden (for diagnosis only).
#[derive(Debug, Default)]
pub struct Secrets {
    pub list: Vec<Secret>,
    pub others: Vec<OtherSecret>,
    /// Advice about how the secrets were passed, for stderr (never the values).
    pub warnings: Vec<String>,
}

impl std::fmt::Debug for OtherSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OtherSecret({}, redacted)", self.label)
    }
}

/// `--secret` and `--secret-file` together; the environment only when neither
/// is given. `Ok` with an empty list only when `required` is false.
pub fn secrets(args: &SecretArgs, required: bool) -> Result<Secrets> {
    let mut list = Vec::new();
    let mut warnings = Vec::new();
    if !args.secrets.is_empty() {
        warnings.push(format!(
            "a secret on the command line lands in shell history and process lists; \
             {SECRET_ENV} or --secret-file keep it out"
        ));
    }
    for (index, text) in args.secrets.iter().enumerate() {
        let source = if args.secrets.len() > 1 {
            format!("--secret #{}", index + 1)
        } else {
            "--secret".into()
        };
        list.push(Secret::new(text).ok_or(Error::SecretEmpty { source })?);
    }
    for path in &args.secret_file {
        list.extend(read_secret_file(path)?);
        if let Some(mode) = readable_by_others(path) {
            warnings.push(format!(
                "{} is readable by other users (mode {mode:o}); chmod 600 it",
                path.display()
            ));
        }
    }
    let env = std::env::var_os(SECRET_ENV).map(|v| v.to_string_lossy().into_owned());
    if list.is_empty() {
        match env {
            Some(text) => {
                let secret = Secret::new(&text).ok_or(Error::SecretEmpty {
                    source: SECRET_ENV.into(),
                })?;
                return Ok(Secrets {
                    list: vec![secret],
                    others: Vec::new(),
                    warnings,
                });
            }
            None if required => return Err(Error::SecretMissing),
            None => return Ok(Secrets::default()),
        }
    }
    let others = env
        .and_then(|text| Secret::new(&text))
        .filter(|secret| !list.contains(secret))
        .map(|secret| OtherSecret {
            label: format!("{SECRET_ENV} from the environment"),
            secret,
        })
        .into_iter()
        .collect();
    Ok(Secrets { list, others, warnings })
}

/// The file's permission bits when group or others may read it.
#[cfg(unix)]
fn readable_by_others(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o044 != 0).then_some(mode)
}

#[cfg(not(unix))]
fn readable_by_others(_: &Path) -> Option<u32> {
    None
}

/// One secret per line; blank lines are skipped, CRLF line ends allowed.
fn read_secret_file(path: &Path) -> Result<Vec<Secret>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::SecretFileUnreadable {
        path: path.to_path_buf(),
        why: describe_io(&e),
    })?;
    let secrets: Vec<Secret> = text
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .filter_map(Secret::new)
        .collect();
    if secrets.is_empty() {
        return Err(Error::SecretEmpty {
            source: format!("--secret-file {}", path.display()),
        });
    }
    Ok(secrets)
}
