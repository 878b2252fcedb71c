//! `Secret`: a string that never shows itself in `Debug`, logs or error messages.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// A secret string (client secret, access token, webhook secret, card data).
///
/// `Debug` and `Display` print `[redacted]`; the memory is zeroized on drop. The value is
/// reachable only through [`Secret::expose`], so every place that reveals it is explicit.
/// `Serialize` writes the value, because request bodies must carry it; never log a
/// serialized body that holds a secret.
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(SecretString::from(value.into()))
    }

    /// The value itself. Call it only where the value must leave the process.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl PartialEq for Secret {
    /// Constant-time comparison, so equality checks leak nothing through timing.
    fn eq(&self, other: &Self) -> bool {
        crate::webhook::constant_time_eq(self.expose().as_bytes(), other.expose().as_bytes())
    }
}

impl Eq for Secret {}

impl serde::Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self::new)
    }
}

impl schemars::JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "description": "A secret value" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let secret = Secret::new("canary-7f3a");
        assert!(!format!("{secret:?}").contains("canary"));
        assert!(!format!("{secret}").contains("canary"));
        assert_eq!(secret.expose(), "canary-7f3a");
    }

    #[test]
    fn round_trips_through_json() {
        let secret: Secret = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"abc\"");
    }
}
