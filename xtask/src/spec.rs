//! Loading a provider's spec: YAML text -> JSON value -> `openapiv3::OpenAPI`.

use std::path::{Path, PathBuf};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Reads YAML as YAML 1.2 reads booleans: only `true` and `false` (YAML 1.1 also reads
/// `no`, `N`, `off`, `yes`, `Y`, `on`: Norway's country code `NO` would become `false`).
pub fn parse_yaml(text: &str) -> Result<Value, serde_saphyr::Error> {
    let options = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options(text, options)
}

/// Plain (unquoted) scalars the parser reads as numbers although they look like codes:
/// zero-padded (`0390`) or with `_` (`1_000`, YAML 1.1's digit separator). Line numbers
/// from 1, with the scalar.
pub fn numbers_that_look_like_codes(text: &str) -> Vec<(usize, String)> {
    let looks_like_code = |value: &str| {
        let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
        let all = |f: fn(u8) -> bool| digits.bytes().all(f);
        !digits.is_empty()
            && all(|b| b.is_ascii_digit() || b == b'_' || b == b'.')
            && digits.bytes().any(|b| b.is_ascii_digit())
            && ((digits.len() > 1 && digits.starts_with('0') && !digits.starts_with("0."))
                || digits.contains('_'))
    };
    let mut found = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let content = line.trim_start();
        if content.starts_with('#') {
            continue;
        }
        let value = match content.strip_prefix("- ") {
            Some(item) => item.rsplit_once(": ").map_or(item, |(_, v)| v),
            None => match content.split_once(": ") {
                Some((_, v)) => v,
                None => continue,
            },
        };
        let value = value.split(" #").next().unwrap_or_default().trim();
        // The parser itself decides whether it reads the scalar as a number.
        let read_as_number = || {
            parse_yaml(&format!("v: {value}"))
                .ok()
                .is_some_and(|v| v.get("v").is_some_and(Value::is_number))
        };
        if looks_like_code(value) && read_as_number() {
            found.push((index + 1, value.to_string()));
        }
    }
    found
}

/// One spec file as read from disk.
pub struct SpecFile {
    /// `specs/<p>.yaml`, relative to the workspace root.
    pub relative: String,
    /// The file's bytes, hashed for the generated header and the build guard.
    pub bytes: Vec<u8>,
    /// The document as JSON (YAML anchors resolved).
    pub json: Value,
}

impl SpecFile {
    /// Reads and parses `specs/<provider>.yaml`.
    pub fn load(root: &Path, provider: &str) -> Result<Self, String> {
        let relative = format!("specs/{provider}.yaml");
        let path: PathBuf = root.join(&relative);
        let bytes = std::fs::read(&path).map_err(|e| format!("{relative}: {e}"))?;
        let text =
            std::str::from_utf8(&bytes).map_err(|e| format!("{relative}: not UTF-8: {e}"))?;
        let json = parse_yaml(text).map_err(|e| format!("{relative}: invalid YAML: {e}"))?;
        Ok(Self {
            relative,
            bytes,
            json,
        })
    }

    /// Lower-case hex sha256 of the file's bytes.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Escapes one JSON-pointer token (RFC 6901).
pub fn pointer_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    /// Specs are YAML 1.2 (core schema): YAML 1.1's `no`, `Y`, `off` are strings, and so
    /// is a zero-padded `0390` (a currency code or a BIN, not the number 390).
    #[test]
    fn yaml_is_read_as_yaml_1_2() {
        let text =
            "a: no\nb: Y\nc: off\nd: N\ne: 0390\nf: yes\ng: true\nh: 12\ni: 0x1F\nj: 1_000\n";
        let parsed = super::parse_yaml(text).unwrap_or_else(|e| panic!("{e}"));
        // Booleans are YAML 1.2's; a zero-padded or underscored number is still read as
        // one by the parser, so lint flags it (`numbers_that_look_like_codes`).
        assert_eq!(
            parsed,
            json!({"a": "no", "b": "Y", "c": "off", "d": "N", "e": 390.0, "f": "yes",
                   "g": true, "h": 12, "i": 31, "j": 1000})
        );
        let flagged: Vec<usize> = super::numbers_that_look_like_codes(text)
            .into_iter()
            .map(|(line, _)| line)
            .collect();
        assert_eq!(flagged, [5, 10]);
        let fine = "code: '0390'\nlist:\n  - 0\n  - 10\n# 0390 in a comment\nx: \"1_000\"\n";
        assert!(super::numbers_that_look_like_codes(fine).is_empty());
    }
}
