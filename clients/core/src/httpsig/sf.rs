//! The part of RFC 8941 (structured field values) that HTTP message signatures use:
//! dictionaries whose members are inner lists or items, with parameters; bare items of
//! every kind but decimals (which no signature parameter uses), and their serialization.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A bare item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Bare {
    /// An integer (at most 15 digits).
    Integer(i64),
    /// A string (printable ASCII).
    String(String),
    /// A token.
    Token(String),
    /// A byte sequence (`:base64:`).
    Bytes(Vec<u8>),
    /// A boolean (`?1`, `?0`).
    Boolean(bool),
}

/// Parameters, in the order they came.
pub type Params = Vec<(String, Bare)>;

/// A dictionary member's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Member {
    /// An item with its parameters.
    Item(Bare, Params),
    /// An inner list of items with parameters, then the list's parameters.
    InnerList(Vec<(Bare, Params)>, Params),
}

/// Why a field did not parse.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("malformed structured field at byte {at}: {what}")]
pub struct ParseError {
    at: usize,
    what: &'static str,
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn fail<T>(&self, what: &'static str) -> Result<T, ParseError> {
        Err(ParseError { at: self.at, what })
    }

    fn skip_sp(&mut self) {
        while self.peek() == Some(b' ') {
            self.at += 1;
        }
    }

    fn skip_ows(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.at += 1;
        }
    }

    fn key(&mut self) -> Result<String, ParseError> {
        let start = self.at;
        match self.peek() {
            Some(c) if c.is_ascii_lowercase() || c == b'*' => self.at += 1,
            _ => return self.fail("a key starts with a lowercase letter or '*'"),
        }
        while let Some(c) = self.peek() {
            if c.is_ascii_lowercase()
                || c.is_ascii_digit()
                || matches!(c, b'_' | b'-' | b'.' | b'*')
            {
                self.at += 1;
            } else {
                break;
            }
        }
        Ok(String::from_utf8_lossy(&self.input[start..self.at]).into_owned())
    }

    fn params(&mut self) -> Result<Params, ParseError> {
        let mut params = Params::new();
        while self.peek() == Some(b';') {
            self.at += 1;
            self.skip_sp();
            let key = self.key()?;
            let value = if self.peek() == Some(b'=') {
                self.at += 1;
                self.bare()?
            } else {
                Bare::Boolean(true)
            };
            match params.iter_mut().find(|(k, _)| *k == key) {
                Some(slot) => slot.1 = value,
                None => params.push((key, value)),
            }
        }
        Ok(params)
    }

    fn bare(&mut self) -> Result<Bare, ParseError> {
        match self.peek() {
            Some(b'-' | b'0'..=b'9') => self.integer(),
            Some(b'"') => self.string(),
            Some(b':') => self.bytes(),
            Some(b'?') => self.boolean(),
            Some(c) if c.is_ascii_alphabetic() || c == b'*' => self.token(),
            _ => self.fail("not a bare item"),
        }
    }

    fn integer(&mut self) -> Result<Bare, ParseError> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.at += 1;
        }
        let digits = &self.input[start..self.at];
        if digits.is_empty() || digits.len() > 15 {
            return self.fail("an integer has 1 to 15 digits");
        }
        if self.peek() == Some(b'.') {
            return self.fail("decimals are not used by signatures");
        }
        let value = digits
            .iter()
            .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
        Ok(Bare::Integer(if negative { -value } else { value }))
    }

    fn string(&mut self) -> Result<Bare, ParseError> {
        self.at += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return self.fail("unterminated string"),
                Some(b'"') => {
                    self.at += 1;
                    return Ok(Bare::String(out));
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => out.push(char::from(c)),
                        _ => return self.fail("a string escapes only '\"' and '\\'"),
                    }
                }
                Some(c @ 0x20..=0x7e) => out.push(char::from(c)),
                Some(_) => return self.fail("a string holds printable ASCII only"),
            }
            self.at += 1;
        }
    }

    fn token(&mut self) -> Result<Bare, ParseError> {
        let start = self.at;
        self.at += 1;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~:/".contains(&c) {
                self.at += 1;
            } else {
                break;
            }
        }
        Ok(Bare::Token(
            String::from_utf8_lossy(&self.input[start..self.at]).into_owned(),
        ))
    }

    fn bytes(&mut self) -> Result<Bare, ParseError> {
        self.at += 1;
        let start = self.at;
        while let Some(c) = self.peek() {
            if c == b':' {
                break;
            }
            if !(c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')) {
                return self.fail("a byte sequence holds base64 only");
            }
            self.at += 1;
        }
        if self.peek() != Some(b':') {
            return self.fail("unterminated byte sequence");
        }
        let decoded = STANDARD.decode(&self.input[start..self.at]);
        self.at += 1;
        match decoded {
            Ok(bytes) => Ok(Bare::Bytes(bytes)),
            Err(_) => self.fail("a byte sequence is not valid base64"),
        }
    }

    fn boolean(&mut self) -> Result<Bare, ParseError> {
        self.at += 1;
        let value = match self.peek() {
            Some(b'1') => true,
            Some(b'0') => false,
            _ => return self.fail("a boolean is ?0 or ?1"),
        };
        self.at += 1;
        Ok(Bare::Boolean(value))
    }

    fn inner_list(&mut self) -> Result<Member, ParseError> {
        self.at += 1;
        let mut items = Vec::new();
        loop {
            self.skip_sp();
            if self.peek() == Some(b')') {
                self.at += 1;
                let params = self.params()?;
                return Ok(Member::InnerList(items, params));
            }
            let item = self.bare()?;
            let params = self.params()?;
            items.push((item, params));
            match self.peek() {
                Some(b' ' | b')') => {}
                _ => return self.fail("inner-list items are separated by spaces"),
            }
        }
    }
}

/// Parses a dictionary field value (RFC 8941, 4.2.2). A key that repeats keeps its last
/// value, in its first place.
pub fn parse_dictionary(input: &str) -> Result<Vec<(String, Member)>, ParseError> {
    let mut parser = Parser {
        input: input.as_bytes(),
        at: 0,
    };
    let mut members: Vec<(String, Member)> = Vec::new();
    parser.skip_sp();
    if parser.peek().is_none() {
        return Ok(members);
    }
    loop {
        let key = parser.key()?;
        let member = if parser.peek() == Some(b'=') {
            parser.at += 1;
            if parser.peek() == Some(b'(') {
                parser.inner_list()?
            } else {
                let item = parser.bare()?;
                Member::Item(item, parser.params()?)
            }
        } else {
            Member::Item(Bare::Boolean(true), parser.params()?)
        };
        match members.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = member,
            None => members.push((key, member)),
        }
        parser.skip_ows();
        match parser.peek() {
            None => return Ok(members),
            Some(b',') => {
                parser.at += 1;
                parser.skip_ows();
                if parser.peek().is_none() {
                    return parser.fail("trailing comma");
                }
            }
            Some(_) => return parser.fail("members are separated by commas"),
        }
    }
}

/// Writes a bare item as RFC 8941 serializes it.
pub fn write_bare(out: &mut String, item: &Bare) {
    match item {
        Bare::Integer(n) => {
            let _ = write!(out, "{n}");
        }
        Bare::String(s) => {
            out.push('"');
            for c in s.chars() {
                if matches!(c, '"' | '\\') {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        }
        Bare::Token(t) => out.push_str(t),
        Bare::Bytes(b) => {
            out.push(':');
            out.push_str(&STANDARD.encode(b));
            out.push(':');
        }
        Bare::Boolean(true) => out.push_str("?1"),
        Bare::Boolean(false) => out.push_str("?0"),
    }
}

/// Writes parameters (`;key=value`, a true boolean as the bare key).
pub fn write_params(out: &mut String, params: &Params) {
    for (key, value) in params {
        out.push(';');
        out.push_str(key);
        if *value != Bare::Boolean(true) {
            out.push('=');
            write_bare(out, value);
        }
    }
}

/// Writes an inner list with its parameters.
pub fn write_inner_list(out: &mut String, items: &[(Bare, Params)], params: &Params) {
    out.push('(');
    for (n, (item, item_params)) in items.iter().enumerate() {
        if n > 0 {
            out.push(' ');
        }
        write_bare(out, item);
        write_params(out, item_params);
    }
    out.push(')');
    write_params(out, params);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_input_round_trips() {
        let text =
            r#"sig1=("@method" "content-digest");created=1618884473;keyid="k\"1", sig2=:AAE=:"#;
        let parsed = parse_dictionary(text).unwrap();
        assert_eq!(parsed.len(), 2);
        let Member::InnerList(items, params) = &parsed[0].1 else {
            panic!("not an inner list")
        };
        let mut out = String::new();
        write_inner_list(&mut out, items, params);
        assert_eq!(
            out,
            r#"("@method" "content-digest");created=1618884473;keyid="k\"1""#
        );
        assert_eq!(parsed[1].1, Member::Item(Bare::Bytes(vec![0, 1]), vec![]));
    }

    #[test]
    fn malformed_fields_are_errors_not_panics() {
        for text in [
            "Sig=1",
            "a=(",
            "a=(\"x\"",
            "a=\"\\q\"",
            "a=:!!:",
            "a=1234567890123456",
            "a=1.5",
            "a=1,",
            "a=1 b=2",
            "a=(\"x\"\"y\")",
            "a=?2",
            "a=\"\u{7f}\"",
        ] {
            assert!(parse_dictionary(text).is_err(), "{text}");
        }
    }
}
