//! `RawBody<T>`: a parsed JSON body that keeps the exact text it was parsed from.

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
}
