//! `RawBody<T>`: a parsed JSON body that keeps the exact text it was parsed from;
//! `ErrorBody`: an error answer of any shape (JSON, text or none), kept as received.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use serde_json::value::RawValue;

/// A provider error envelope, parsed into `T`, with the body text as received.
///
/// The generator uses it for every spec schema marked `x-payspec-error-envelope`, so
/// that errors keep the raw body for support tickets and logs the caller controls.
#[derive(Clone)]
pub struct RawBody<T> {
    parsed: T,
    raw: Bytes,
}

impl<T> RawBody<T> {
    /// The parsed fields.
    pub fn parsed(&self) -> &T {
        &self.parsed
    }

    /// The body text as received.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// Splits into the parsed fields and the raw text.
    pub fn into_parts(self) -> (T, Bytes) {
        (self.parsed, self.raw)
    }
}

impl<T: serde::Serialize> RawBody<T> {
    /// Wraps a value, rendering its JSON as the raw text (for mocks and tests).
    pub fn new(parsed: T) -> Result<Self, serde_json::Error> {
        let raw = Bytes::from(serde_json::to_vec(&parsed)?);
        Ok(Self { parsed, raw })
    }
}

impl<T> Deref for RawBody<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.parsed
    }
}

impl<T: fmt::Debug> fmt::Debug for RawBody<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.parsed.fmt(f)
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for RawBody<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue> as serde::Deserialize>::deserialize(d)?;
        let parsed = serde_json::from_str(raw.get()).map_err(serde::de::Error::custom)?;
        Ok(Self {
            parsed,
            raw: Bytes::copy_from_slice(raw.get().as_bytes()),
        })
    }
}

impl<T> serde::Serialize for RawBody<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let text = std::str::from_utf8(&self.raw).map_err(serde::ser::Error::custom)?;
        let raw = RawValue::from_string(text.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(s)
    }
}

/// An error answer whose shape the spec leaves open: the generator uses it for every
/// operation whose error statuses do not share one schema (several error schemas, or
/// some statuses with a body and some without), so that one error type keeps whatever
/// the provider sent: the bytes as received and, when they are JSON, the parsed value.
///
/// Decoding never fails: an empty or non-JSON body is kept as bytes
/// ([`crate::glue::from_response`] hands it over whole). `Display` and `Debug` show the
/// text, bounded to [`crate::error::DISPLAY_LIMIT`] characters.
#[derive(Clone, Default, PartialEq)]
pub struct ErrorBody {
    raw: Bytes,
    json: Option<serde_json::Value>,
}

impl ErrorBody {
    /// Keeps `raw`, parsed when it is a JSON document.
    pub fn from_bytes(raw: Bytes) -> Self {
        let json = serde_json::from_slice(&raw).ok();
        Self { raw, json }
    }

    /// The body as received (empty when the answer had none).
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// The body parsed as JSON, when it was JSON.
    pub fn json(&self) -> Option<&serde_json::Value> {
        self.json.as_ref()
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.raw)
    }

    /// Whether the answer had no body.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

impl fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.raw.is_empty() {
            return f.write_str("(no body)");
        }
        crate::error::Bounded(&self.text()).fmt(f)
    }
}

impl fmt::Debug for ErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ErrorBody")
            .field(&format_args!("{self}"))
            .finish()
    }
}

impl<'de> serde::Deserialize<'de> for ErrorBody {
    /// Any JSON value; the raw bytes are its compact rendering.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = <Box<RawValue> as serde::Deserialize>::deserialize(d)?;
        Ok(Self::from_bytes(Bytes::copy_from_slice(
            raw.get().as_bytes(),
        )))
    }
}

impl serde::Serialize for ErrorBody {
    /// The JSON value when the body was JSON, else the text as a JSON string.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.json {
            Some(value) => value.serialize(s),
            None => s.serialize_str(&self.text()),
        }
    }
}

impl schemars::JsonSchema for ErrorBody {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ErrorBody".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An error answer of any shape, kept as received"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, serde::Serialize, Debug)]
    struct Envelope {
        code: String,
    }

    #[test]
    fn keeps_the_exact_text() {
        let text = r#"{"code":"4000",  "extra": [1, 2]}"#;
        let body: RawBody<Envelope> = serde_json::from_str(text).unwrap();
        assert_eq!(body.code, "4000");
        assert_eq!(body.raw().as_ref(), text.as_bytes());
        assert_eq!(serde_json::to_string(&body).unwrap(), text);
    }

    #[test]
    fn an_error_body_keeps_any_answer() {
        let json = ErrorBody::from_bytes(Bytes::from_static(br#"{"code": 7}"#));
        assert_eq!(json.json(), Some(&serde_json::json!({"code": 7})));
        assert_eq!(json.to_string(), r#"{"code": 7}"#);
        let text = ErrorBody::from_bytes(Bytes::from_static(b"Bad Gateway"));
        assert_eq!((text.json(), text.text().as_ref()), (None, "Bad Gateway"));
        assert_eq!(serde_json::to_string(&text).unwrap(), r#""Bad Gateway""#);
        let empty = ErrorBody::from_bytes(Bytes::new());
        assert!(empty.is_empty());
        assert_eq!(empty.to_string(), "(no body)");
        let long = ErrorBody::from_bytes(Bytes::from("x".repeat(10_000)));
        assert!(format!("{long:?}").len() < 400, "Debug is bounded");
        let parsed: ErrorBody = serde_json::from_str(r#"[1, 2]"#).unwrap();
        assert_eq!(parsed.json(), Some(&serde_json::json!([1, 2])));
    }
}
