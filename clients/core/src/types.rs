//! Value types that several providers' specs share and that the generator substitutes
//! for spec schemas marked `x-payspec-type`.

use std::fmt;

use chrono::{DateTime, SecondsFormat, TimeZone, Utc};

/// A point in time that a provider sends either as an ISO-8601 / RFC 3339 string or as
/// epoch milliseconds (Nopan does both). Exposed as one `DateTime<Utc>`; serialized back
/// in the form it arrived in, so a value round-trips unchanged.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp {
    at: DateTime<Utc>,
    form: TimestampForm,
}

/// How a [`Timestamp`] was written on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TimestampForm {
    /// An RFC 3339 string, e.g. `2026-01-19T14:32:05.987654Z`.
    Rfc3339,
    /// An integer count of milliseconds since the Unix epoch.
    EpochMillis,
}

impl Timestamp {
    /// A timestamp written as RFC 3339.
    pub fn from_datetime(at: DateTime<Utc>) -> Self {
        Self {
            at,
            form: TimestampForm::Rfc3339,
        }
    }

    /// The earliest epoch milliseconds taken: 0001-01-01T00:00:00Z.
    pub const EPOCH_MILLIS_MIN: i64 = -62_135_596_800_000;
    /// The latest: 9999-12-31T23:59:59.999Z (what an RFC 3339 date-time can write).
    pub const EPOCH_MILLIS_MAX: i64 = 253_402_300_799_999;

    /// A timestamp from epoch milliseconds; `None` outside years 1 to 9999.
    pub fn from_epoch_millis(millis: i64) -> Option<Self> {
        if !(Self::EPOCH_MILLIS_MIN..=Self::EPOCH_MILLIS_MAX).contains(&millis) {
            return None;
        }
        Utc.timestamp_millis_opt(millis).single().map(|at| Self {
            at,
            form: TimestampForm::EpochMillis,
        })
    }

    /// The instant, in UTC.
    pub fn datetime(&self) -> DateTime<Utc> {
        self.at
    }

    /// Milliseconds since the Unix epoch.
    pub fn epoch_millis(&self) -> i64 {
        self.at.timestamp_millis()
    }

    /// The form it arrived in.
    pub fn form(&self) -> TimestampForm {
        self.form
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Timestamp({})",
            self.at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        )
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(at: DateTime<Utc>) -> Self {
        Self::from_datetime(at)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.form {
            TimestampForm::Rfc3339 => {
                s.serialize_str(&self.at.to_rfc3339_opts(SecondsFormat::AutoSi, true))
            }
            TimestampForm::EpochMillis => s.serialize_i64(self.epoch_millis()),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 date-time string or epoch milliseconds")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Timestamp, E> {
                DateTime::parse_from_rfc3339(v)
                    .map(|at| Timestamp::from_datetime(at.with_timezone(&Utc)))
                    .map_err(|e| E::custom(format!("invalid date-time `{v}`: {e}")))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Timestamp, E> {
                Timestamp::from_epoch_millis(v)
                    .ok_or_else(|| E::custom(format!("epoch milliseconds {v} out of range")))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Timestamp, E> {
                let v = i64::try_from(v)
                    .map_err(|_| E::custom(format!("epoch milliseconds {v} out of range")))?;
                self.visit_i64(v)
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for Timestamp {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "RFC 3339 date-time string or epoch milliseconds",
            "oneOf": [
                { "type": "string", "format": "date-time" },
                { "type": "integer", "format": "int64" }
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_both_forms_and_round_trips() {
        let iso: Timestamp = serde_json::from_str("\"2026-01-19T14:32:05.987654Z\"").unwrap();
        let millis: Timestamp = serde_json::from_str("1768204174405").unwrap();
        assert_eq!(iso.form(), TimestampForm::Rfc3339);
        assert_eq!(millis.form(), TimestampForm::EpochMillis);
        assert_eq!(millis.epoch_millis(), 1_768_204_174_405);
        assert_eq!(serde_json::to_string(&millis).unwrap(), "1768204174405");
        assert_eq!(
            serde_json::to_string(&iso).unwrap(),
            "\"2026-01-19T14:32:05.987654Z\""
        );
        assert_eq!(iso.datetime().timestamp(), 1_768_833_125);
    }

    #[test]
    fn rejects_garbage() {
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
        assert!(serde_json::from_str::<Timestamp>("true").is_err());
    }
}

/// An id a provider sends as a JSON string or as an integer (VaiiPay's seed examples show
/// numbers, its published pages strings such as `"550e8400-..."`): both parse, the text is
/// what code compares and prints, and it is serialized back in the form it arrived in.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Id {
    text: String,
    numeric: bool,
}

impl Id {
    /// The id as text (`"42"` for the number 42).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it arrived as a JSON number.
    pub fn is_numeric(&self) -> bool {
        self.numeric
    }
}

impl fmt::Debug for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Id({:?})", self.text)
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<String> for Id {
    fn from(text: String) -> Self {
        Self {
            text,
            numeric: false,
        }
    }
}

impl From<&str> for Id {
    fn from(text: &str) -> Self {
        Self::from(text.to_string())
    }
}

impl From<i64> for Id {
    fn from(n: i64) -> Self {
        Self {
            text: n.to_string(),
            numeric: true,
        }
    }
}

impl PartialEq<str> for Id {
    fn eq(&self, other: &str) -> bool {
        self.text == other
    }
}

impl PartialEq<&str> for Id {
    fn eq(&self, other: &&str) -> bool {
        self.text == *other
    }
}

impl serde::Serialize for Id {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.numeric {
            if let Ok(n) = self.text.parse::<i64>() {
                return s.serialize_i64(n);
            }
            if let Ok(n) = self.text.parse::<u64>() {
                return s.serialize_u64(n);
            }
        }
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for Id {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Id;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an id: a string or an integer")
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Id, E> {
                Ok(Id::from(v))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Id, E> {
                Ok(Id::from(v))
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Id, E> {
                Ok(Id {
                    text: v.to_string(),
                    numeric: true,
                })
            }
        }
        d.deserialize_any(Visitor)
    }
}

impl schemars::JsonSchema for Id {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Id".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "An id: a string or an integer",
            "oneOf": [
                { "type": "string" },
                { "type": "integer" }
            ]
        })
    }
}

/// An object a provider sends with its keys in camelCase or in PascalCase: MobilePay's
/// published spec gives the items of its lists `PaymentId`, `Amount`, ... where a single
/// payment has `paymentId`, `amount`. A PascalCase key is read as its camelCase twin
/// (unless the twin is there too); it is written back as `T` writes it. Derefs to `T`.
#[derive(Clone, Debug, PartialEq)]
pub struct AnyCase<T>(pub T);

impl<T> AnyCase<T> {
    /// The value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for AnyCase<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: serde::Serialize> serde::Serialize for AnyCase<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// `Key` as `key`: the first character lower-cased.
fn camel(key: &str) -> String {
    let mut chars = key.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for AnyCase<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let value = serde_json::Value::deserialize(d)?;
        let value = match value {
            serde_json::Value::Object(fields) => {
                let mut out = serde_json::Map::with_capacity(fields.len());
                for (key, item) in &fields {
                    let twin = camel(key);
                    if twin != *key && !fields.contains_key(&twin) {
                        out.insert(twin, item.clone());
                    } else {
                        out.insert(key.clone(), item.clone());
                    }
                }
                serde_json::Value::Object(out)
            }
            other => other,
        };
        serde_json::from_value(value)
            .map(AnyCase)
            .map_err(D::Error::custom)
    }
}

impl<T: schemars::JsonSchema> schemars::JsonSchema for AnyCase<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }

    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

#[cfg(test)]
mod any_case_tests {
    use super::AnyCase;

    #[derive(serde::Deserialize, serde::Serialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Item {
        payment_id: Option<String>,
        amount: Option<i64>,
    }

    #[test]
    fn pascal_and_camel_keys_both_read() {
        let pascal: AnyCase<Item> =
            serde_json::from_str(r#"{"PaymentId": "p", "Amount": 5}"#).unwrap();
        let camel: AnyCase<Item> =
            serde_json::from_str(r#"{"paymentId": "p", "amount": 5}"#).unwrap();
        assert_eq!(pascal, camel);
        assert_eq!(
            serde_json::to_string(&pascal).unwrap(),
            r#"{"paymentId":"p","amount":5}"#
        );
        // Both spellings: the camelCase one wins.
        let both: AnyCase<Item> =
            serde_json::from_str(r#"{"PaymentId": "x", "paymentId": "p"}"#).unwrap();
        assert_eq!(both.payment_id.as_deref(), Some("p"));
    }
}
