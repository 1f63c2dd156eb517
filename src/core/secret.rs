//! The webhook Secret Key as a type that cannot leak.
//!
//! `Secret` has no `Display` and its `Debug` prints `Secret(redacted)`, so a
//! secret can only reach output through an explicit call to [`Secret::expose`],
//! which the signing code alone makes. Output names secrets by their position
//! ("secret #2"), never by value.

use std::fmt;

/// A non-empty Secret Key, held as the UTF-8 bytes Techrar uses as the HMAC key.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// `None` for an empty string: an empty key is valid HMAC but always a user mistake.
    pub fn new(text: &str) -> Option<Self> {
        (!text.is_empty()).then(|| Secret(text.as_bytes().into()))
    }

    /// The key bytes, for computing a MAC. Never format these.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// The same secret without surrounding whitespace, when that differs: a
    /// copy-paste or a `.env` file easily adds a space or a newline.
    pub fn trimmed(&self) -> Option<Secret> {
        let text = std::str::from_utf8(&self.0).ok()?;
        let trimmed = text.trim();
        (trimmed.len() != text.len()).then(|| Secret::new(trimmed)).flatten()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(redacted)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = Secret::new("whsec_abc").unwrap();
        assert_eq!(format!("{secret:?}"), "Secret(redacted)");
        assert_eq!(format!("{:?}", Some(vec![secret])), "Some([Secret(redacted)])");
    }

    #[test]
    fn empty_is_refused_and_trim_only_when_needed() {
        assert!(Secret::new("").is_none());
        assert!(Secret::new("abc").unwrap().trimmed().is_none());
        let padded = Secret::new(" abc\n").unwrap();
        assert_eq!(padded.trimmed().unwrap().expose(), b"abc");
        assert!(Secret::new("  ").unwrap().trimmed().is_none());
    }
}
