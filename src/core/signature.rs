//! The signature scheme: HMAC over the raw body, encoded into `X-Signature`.
//!
//! Techrar's documentation names the header but not the algorithm, so the
//! scheme is a value (`Scheme`), defaulting to the project's assumption:
//! lowercase hex of HMAC-SHA256 keyed with the Secret Key's UTF-8 bytes over
//! the body bytes exactly as sent. Bytes stay bytes: nothing here parses or
//! re-serialises JSON, because a single changed byte changes the MAC.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, KeyInit, Mac};
use std::fmt;

use super::secret::Secret;

/// The header Techrar sends the signature in.
pub const HEADER: &str = "X-Signature";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    Sha256,
    Sha512,
    Sha1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Encoding {
    Hex,
    Base64,
}

impl Algorithm {
    pub const ALL: [Algorithm; 3] = [Algorithm::Sha256, Algorithm::Sha512, Algorithm::Sha1];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Sha256 => "sha256",
            Algorithm::Sha512 => "sha512",
            Algorithm::Sha1 => "sha1",
        }
    }

    /// Digest length in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            Algorithm::Sha256 => 32,
            Algorithm::Sha512 => 64,
            Algorithm::Sha1 => 20,
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name().eq_ignore_ascii_case(name))
    }
}

impl Encoding {
    pub const ALL: [Encoding; 2] = [Encoding::Hex, Encoding::Base64];

    pub fn name(self) -> &'static str {
        match self {
            Encoding::Hex => "hex",
            Encoding::Base64 => "base64",
        }
    }
}

/// How a signature is computed and written: an algorithm and an encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Scheme {
    pub algorithm: Algorithm,
    pub encoding: Encoding,
}

impl Default for Scheme {
    fn default() -> Self {
        Scheme::DEFAULT
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "HMAC-{}/{}",
            self.algorithm.name().to_uppercase(),
            self.encoding.name()
        )
    }
}

/// What checking one request's signature found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The MAC matched the secret at this position (0-based) in the list given.
    Valid { secret_index: usize },
    /// A well-formed signature that no secret produces for these bytes.
    Mismatch,
    /// No `X-Signature` header at all.
    Missing,
    /// A header that cannot be a signature of this scheme; the reason says why.
    Malformed(String),
}

impl Verdict {
    pub fn is_valid(&self) -> bool {
        matches!(self, Verdict::Valid { .. })
    }

    /// The word used in output and in log records.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Valid { .. } => "valid",
            Verdict::Mismatch => "invalid",
            Verdict::Missing => "missing",
            Verdict::Malformed(_) => "malformed",
        }
    }
}

impl Scheme {
    pub const DEFAULT: Scheme = Scheme {
        algorithm: Algorithm::Sha256,
        encoding: Encoding::Hex,
    };

    /// Every supported scheme, the default first: what `--detect` tries.
    pub fn all() -> impl Iterator<Item = Scheme> {
        Algorithm::ALL.into_iter().flat_map(|algorithm| {
            Encoding::ALL
                .into_iter()
                .map(move |encoding| Scheme { algorithm, encoding })
        })
    }

    /// The raw MAC of `body` under `key`.
    pub fn mac(self, key: &[u8], body: &[u8]) -> Vec<u8> {
        fn run<M: Mac + KeyInit>(key: &[u8], body: &[u8]) -> Vec<u8> {
            // HMAC accepts keys of any length, so this cannot fail.
            let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(body);
            mac.finalize().into_bytes().to_vec()
        }
        match self.algorithm {
            Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, body),
            Algorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, body),
            Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, body),
        }
    }

    /// The `X-Signature` value for `body`, in this scheme's canonical form
    /// (lowercase hex, or padded standard base64).
    pub fn sign(self, secret: &Secret, body: &[u8]) -> String {
        let mac = self.mac(secret.expose(), body);
        match self.encoding {
            Encoding::Hex => hex::encode(mac),
            Encoding::Base64 => STANDARD.encode(mac),
        }
    }

    /// Decodes a header value into the digest bytes it claims, accepting the
    /// forms senders use: surrounding whitespace, an `sha256=` style prefix
    /// naming this algorithm, hex in either case, base64 with or without
    /// padding (standard or URL-safe alphabet).
    pub fn decode_header(self, header: &str) -> Result<Vec<u8>, String> {
        let value = header.trim();
        if value.is_empty() {
            return Err("the X-Signature header is empty".into());
        }
        let value = match value.split_once('=') {
            // A label is short; base64 digests (27+ characters before their
            // `=` padding) are not labels, however alphanumeric they look.
            Some((prefix, rest))
                if (1..=16).contains(&prefix.len()) && prefix.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                if !prefix.eq_ignore_ascii_case(self.algorithm.name()) {
                    return Err(format!(
                        "the X-Signature header is labelled '{prefix}=' but the scheme is {}",
                        self.algorithm.name()
                    ));
                }
                rest.trim()
            }
            _ => value,
        };
        let want = self.algorithm.digest_len();
        let bytes = match self.encoding {
            Encoding::Hex => {
                if value.len() != want * 2 {
                    return Err(format!(
                        "expected {} hex characters for {}, found {}",
                        want * 2,
                        self.algorithm.name(),
                        value.len()
                    ));
                }
                hex::decode(value).map_err(|_| "the X-Signature header is not hexadecimal".to_string())?
            }
            Encoding::Base64 => [STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD]
                .iter()
                .find_map(|engine| engine.decode(value).ok())
                .ok_or_else(|| "the X-Signature header is not base64".to_string())?,
        };
        if bytes.len() != want {
            return Err(format!(
                "the X-Signature header decodes to {} bytes, but {} gives {want}",
                bytes.len(),
                self.algorithm.name()
            ));
        }
        Ok(bytes)
    }

    /// Checks `header` (the `X-Signature` value, if any) against every secret,
    /// in constant time per comparison.
    pub fn verify(self, secrets: &[Secret], body: &[u8], header: Option<&str>) -> Verdict {
        let Some(header) = header else { return Verdict::Missing };
        let claimed = match self.decode_header(header) {
            Ok(bytes) => bytes,
            Err(why) => return Verdict::Malformed(why),
        };
        match secrets
            .iter()
            .position(|secret| self.matches(secret.expose(), body, &claimed))
        {
            Some(secret_index) => Verdict::Valid { secret_index },
            None => Verdict::Mismatch,
        }
    }

    /// Constant-time check of a decoded digest, via the hmac crate's `verify_slice`.
    pub fn matches(self, key: &[u8], body: &[u8], claimed: &[u8]) -> bool {
        fn run<M: Mac + KeyInit>(key: &[u8], body: &[u8], claimed: &[u8]) -> bool {
            let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
            mac.update(body);
            mac.verify_slice(claimed).is_ok()
        }
        match self.algorithm {
            Algorithm::Sha256 => run::<Hmac<sha2::Sha256>>(key, body, claimed),
            Algorithm::Sha512 => run::<Hmac<sha2::Sha512>>(key, body, claimed),
            Algorithm::Sha1 => run::<Hmac<sha1::Sha1>>(key, body, claimed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"app_id":123,"timestamp":1640000000,"event":"subscription.created","data":{}}"#;
    const SIG: &str = "d176f94e644067d787941b71619f67436b95ff958fd3958f5f7f0e6c69010ece";

    fn secret() -> Secret {
        Secret::new("whsec_test_secret").unwrap()
    }

    #[test]
    fn default_scheme_signs_like_the_documented_assumption() {
        assert_eq!(Scheme::DEFAULT.sign(&secret(), BODY), SIG);
    }

    #[test]
    fn header_forms() {
        let s = Scheme::DEFAULT;
        for form in [
            SIG.to_string(),
            SIG.to_uppercase(),
            format!("sha256={SIG}"),
            format!(" {SIG}\n"),
        ] {
            assert_eq!(
                s.verify(&[secret()], BODY, Some(&form)),
                Verdict::Valid { secret_index: 0 },
                "{form}"
            );
        }
        assert!(matches!(
            s.verify(&[secret()], BODY, Some("sha1=abcd")),
            Verdict::Malformed(_)
        ));
        assert!(matches!(s.verify(&[secret()], BODY, Some("")), Verdict::Malformed(_)));
        assert_eq!(s.verify(&[secret()], BODY, None), Verdict::Missing);
    }

    #[test]
    fn base64_padding_is_not_a_label() {
        // found by fuzzing: a sha512 base64 digest with no '+' or '/' ends in "=="
        let scheme = Scheme {
            algorithm: Algorithm::Sha512,
            encoding: Encoding::Base64,
        };
        let digest = [7u8; 64];
        let header = STANDARD.encode(digest);
        assert!(header.ends_with("==") && !header.contains(['+', '/']));
        assert_eq!(scheme.decode_header(&header), Ok(digest.to_vec()));
        assert!(scheme.decode_header("sha512=").is_err());
    }

    #[test]
    fn rotation_reports_the_position_that_matched() {
        let other = Secret::new("old").unwrap();
        assert_eq!(
            Scheme::DEFAULT.verify(&[other, secret()], BODY, Some(SIG)),
            Verdict::Valid { secret_index: 1 }
        );
    }

    #[test]
    fn base64_round_trip_for_every_scheme() {
        for scheme in Scheme::all() {
            let sig = scheme.sign(&secret(), BODY);
            assert!(scheme.verify(&[secret()], BODY, Some(&sig)).is_valid(), "{scheme}");
            assert_eq!(
                scheme.verify(&[secret()], b"x", Some(&sig)),
                Verdict::Mismatch,
                "{scheme}"
            );
        }
    }
}
