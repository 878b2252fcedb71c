//! Every example in specs/nopan.yaml (the seed's JSON samples among them) parses into
//! the Rust type of its schema.

use std::collections::BTreeMap;

use payspec_nopan::types;
use serde_json::Value;

type Parser = fn(Value) -> Result<(), serde_json::Error>;

fn parser(schema: &str) -> Option<Parser> {
    fn p<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), serde_json::Error> {
        serde_json::from_value::<T>(v).map(|_| ())
    }
    Some(match schema {
        "Payment" => p::<types::Payment>,
        "TokenRequest" => p::<types::TokenRequest>,
        "TokenResponse" => p::<types::TokenResponse>,
        "InitiatePaymentRequest" => p::<types::InitiatePaymentRequest>,
        "FinalizePaymentRequest" => p::<types::FinalizePaymentRequest>,
        "ChargePaymentRequest" => p::<types::ChargePaymentRequest>,
        "CapturePaymentRequest" => p::<types::CapturePaymentRequest>,
        "CancelPaymentRequest" => p::<types::CancelPaymentRequest>,
        "RefundPaymentRequest" => p::<types::RefundPaymentRequest>,
        "SetMockRequest" => p::<types::SetMockRequest>,
        "ErrorEnvelope" => p::<payspec_core::RawBody<types::ErrorEnvelopeFields>>,
        "Notification" => p::<types::Notification>,
        _ => return None,
    })
}

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../specs/nopan.yaml"
    ))
    .unwrap();
    serde_saphyr::from_str(&text).unwrap()
}

/// (where, schema name, example) for every example attached to a `$ref` schema.
fn examples(node: &Value, at: &str, out: &mut Vec<(String, String, Value)>) {
    match node {
        Value::Object(map) => {
            let schema_name = map
                .get("schema")
                .and_then(|s| s.get("$ref"))
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .map(str::to_string);
            if let Some(name) = &schema_name {
                if let Some(example) = map.get("example") {
                    out.push((format!("{at}/example"), name.clone(), example.clone()));
                }
                if let Some(Value::Object(named)) = map.get("examples") {
                    for (key, example) in named {
                        if let Some(value) = example.get("value") {
                            out.push((format!("{at}/examples/{key}"), name.clone(), value.clone()));
                        }
                    }
                }
            }
            for (key, child) in map {
                examples(child, &format!("{at}/{key}"), out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                examples(child, &format!("{at}/{i}"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn every_example_in_the_spec_parses() {
    let spec = spec();
    let mut found = Vec::new();
    examples(&spec, "", &mut found);
    // Schema-level examples of webhook payloads.
    let notification = &spec["components"]["schemas"]["Notification"];
    found.push((
        "Notification/example".into(),
        "Notification".into(),
        notification["example"].clone(),
    ));
    for (name, value) in notification["x-payspec-examples"].as_object().unwrap() {
        found.push((
            format!("Notification/{name}"),
            "Notification".into(),
            value.clone(),
        ));
    }
    let mut per_schema: BTreeMap<String, usize> = BTreeMap::new();
    for (at, schema, example) in &found {
        let parse = parser(schema).unwrap_or_else(|| panic!("{at}: no parser for schema {schema}"));
        parse(example.clone()).unwrap_or_else(|e| panic!("{at} ({schema}) does not parse: {e}"));
        *per_schema.entry(schema.clone()).or_default() += 1;
    }
    // The seed has 16 JSON samples; with the webhook variants and the shared refund
    // body reused for status/events the spec holds at least that many examples.
    assert!(
        found.len() >= 18,
        "only {} examples found: {per_schema:?}",
        found.len()
    );
    assert!(per_schema["Payment"] >= 8, "{per_schema:?}");
}

#[test]
fn both_timestamp_forms_of_the_seed_parse_into_one_type() {
    let iso: types::ProviderDetails =
        serde_json::from_str(r#"{"registeredAt": "2026-01-19T14:32:05.987654Z"}"#).unwrap();
    let millis: types::ProviderDetails =
        serde_json::from_str(r#"{"registeredAt": 1768204174405}"#).unwrap();
    let a: payspec_core::types::Timestamp = iso.registered_at.unwrap();
    let b: payspec_core::types::Timestamp = millis.registered_at.unwrap();
    assert!(a.datetime() > b.datetime());
}

#[test]
fn json_schemas_are_available_for_every_type() {
    let schema = schemars::schema_for!(types::Payment);
    let text = serde_json::to_string(&schema).unwrap();
    assert!(
        text.contains("transactionId") && text.contains("PaymentStatus"),
        "{text}"
    );
    let notification = serde_json::to_string(&schemars::schema_for!(types::Notification)).unwrap();
    assert!(notification.contains("notificationType"));
}
