//! Re-serialisations of a JSON body, as common frameworks would write it.
//!
//! Used only to explain a signature mismatch: if the captured body, written
//! another way, matches the signature, the body was re-serialised between the
//! wire and the capture. Number literals are kept as written (serde_json's
//! `arbitrary_precision`), so only whitespace, key order and escaping change.

use serde_json::Value;

/// One way of writing JSON.
#[derive(Clone, Copy, Debug)]
pub struct Form {
    pub name: &'static str,
    indent: Option<usize>,
    /// Between items on one line: `,` or Python's `, `.
    item_sep: &'static str,
    /// Between a key and its value: `:` or `: `.
    key_sep: &'static str,
    sort_keys: bool,
    /// Non-ASCII as `\uXXXX` (Python's `ensure_ascii`, PHP's default).
    ascii: bool,
    /// `/` as `\/` (PHP's default).
    escape_slash: bool,
}

const fn form(name: &'static str, indent: Option<usize>, item_sep: &'static str, key_sep: &'static str) -> Form {
    Form {
        name,
        indent,
        item_sep,
        key_sep,
        sort_keys: false,
        ascii: false,
        escape_slash: false,
    }
}

/// The forms tried, most common first.
pub const FORMS: [Form; 8] = [
    form("compact", None, ",", ":"),
    form("pretty-printed with 2 spaces", Some(2), ",", ": "),
    form("pretty-printed with 4 spaces", Some(4), ",", ": "),
    Form {
        sort_keys: true,
        ..form("compact with keys sorted", None, ",", ":")
    },
    Form {
        ascii: true,
        ..form("as Python's json.dumps writes it", None, ", ", ": ")
    },
    form("as Python's json.dumps(ensure_ascii=False) writes it", None, ", ", ": "),
    Form {
        ascii: true,
        escape_slash: true,
        ..form("as PHP's json_encode writes it", None, ",", ":")
    },
    Form {
        sort_keys: true,
        ..form("pretty-printed with keys sorted", Some(2), ",", ": ")
    },
];

impl Form {
    pub fn write(&self, value: &Value) -> Vec<u8> {
        let mut out = String::new();
        self.value(value, 0, &mut out);
        out.into_bytes()
    }

    fn newline(&self, depth: usize, out: &mut String) {
        if let Some(indent) = self.indent {
            out.push('\n');
            out.extend(std::iter::repeat_n(' ', indent * depth));
        }
    }

    fn value(&self, value: &Value, depth: usize, out: &mut String) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => out.push_str(&n.to_string()),
            Value::String(s) => self.string(s, out),
            Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    self.separator(i, out);
                    self.newline(depth + 1, out);
                    self.value(item, depth + 1, out);
                }
                if !items.is_empty() {
                    self.newline(depth, out);
                }
                out.push(']');
            }
            Value::Object(map) => {
                let mut entries: Vec<_> = map.iter().collect();
                if self.sort_keys {
                    entries.sort_by(|a, b| a.0.cmp(b.0));
                }
                out.push('{');
                for (i, (key, item)) in entries.iter().enumerate() {
                    self.separator(i, out);
                    self.newline(depth + 1, out);
                    self.string(key, out);
                    out.push_str(self.key_sep);
                    self.value(item, depth + 1, out);
                }
                if !entries.is_empty() {
                    self.newline(depth, out);
                }
                out.push('}');
            }
        }
    }

    fn separator(&self, index: usize, out: &mut String) {
        if index > 0 {
            // with an indent, the line break follows, so no space after the comma
            out.push_str(if self.indent.is_some() { "," } else { self.item_sep });
        }
    }

    fn string(&self, s: &str, out: &mut String) {
        out.push('"');
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                '\u{8}' => out.push_str("\\b"),
                '\u{c}' => out.push_str("\\f"),
                '/' if self.escape_slash => out.push_str("\\/"),
                c if (c as u32) < 0x20 || (self.ascii && !c.is_ascii()) => {
                    let mut units = [0u16; 2];
                    for unit in c.encode_utf16(&mut units) {
                        out.push_str(&format!("\\u{unit:04x}"));
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn by_name(name: &str) -> Form {
        *FORMS.iter().find(|f| f.name.starts_with(name)).unwrap()
    }

    #[test]
    fn forms_write_what_their_names_say() {
        let v: Value = serde_json::from_str(r#"{"b":1.50,"a":["/x","ع"],"e":{}}"#).unwrap();
        let w = |name| String::from_utf8(by_name(name).write(&v)).unwrap();
        assert_eq!(w("compact"), r#"{"b":1.50,"a":["/x","ع"],"e":{}}"#);
        assert_eq!(w("compact with keys"), r#"{"a":["/x","ع"],"b":1.50,"e":{}}"#);
        assert_eq!(
            w("as Python's json.dumps writes"),
            r#"{"b": 1.50, "a": ["/x", "\u0639"], "e": {}}"#
        );
        assert_eq!(w("as PHP"), r#"{"b":1.50,"a":["\/x","\u0639"],"e":{}}"#);
        assert_eq!(
            w("pretty-printed with 2"),
            "{\n  \"b\": 1.50,\n  \"a\": [\n    \"/x\",\n    \"ع\"\n  ],\n  \"e\": {}\n}"
        );
    }
}
