//! `from_env`: the provider's recommended variables; missing or malformed ones are
//! named in the error, their values never.

use std::collections::HashMap;

use payspec_vaiipay::{ClientBuilder, Error};

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn reads_the_documented_variables() {
    let builder = ClientBuilder::from_env_with(lookup(&[
        ("PAYMENT_CLIENT_ID", "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"),
        ("PAYMENT_CLIENT_TOKEN", "canary-env-token"),
        ("WEBHOOK_SECRET", "canary-env-secret"),
        (
            "PAYMENT_CLIENT_TOKEN_SCOPES",
            "payments.create, payments.get",
        ),
    ]))
    .unwrap();
    let debug = format!("{builder:?}");
    assert!(!debug.contains("canary"), "{debug}");
    assert!(debug.contains("PaymentsGet"));
    let client = builder.base_url("https://api.example").build().unwrap();
    assert!(client.webhook_verifier().is_some());
    assert!(client.checkout_url_verifier().is_some());
}

/// Variables given, the variable the error must name, a word its reason must contain.
type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);

#[test]
fn missing_or_malformed_variables_are_named() {
    let cases: [Case; 4] = [
        (
            &[("PAYMENT_CLIENT_TOKEN", "t")],
            "PAYMENT_CLIENT_ID",
            "not set",
        ),
        (
            &[
                ("PAYMENT_CLIENT_ID", "short-canary"),
                ("PAYMENT_CLIENT_TOKEN", "t"),
            ],
            "PAYMENT_CLIENT_ID",
            "32 characters",
        ),
        (
            &[("PAYMENT_CLIENT_ID", "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6")],
            "PAYMENT_CLIENT_TOKEN",
            "not set",
        ),
        (
            &[
                ("PAYMENT_CLIENT_ID", "a1b2c3d4e5f6g7h8i9j0k1l2m3n4o5p6"),
                ("PAYMENT_CLIENT_TOKEN", "  "),
            ],
            "PAYMENT_CLIENT_TOKEN",
            "not set",
        ),
    ];
    for (vars, variable, reason) in cases {
        match ClientBuilder::from_env_with(lookup(vars)).unwrap_err() {
            Error::Environment {
                variable: v,
                reason: r,
            } => {
                assert_eq!(v, variable);
                assert!(r.contains(reason), "{r}");
                assert!(!r.contains("canary"), "the value is not echoed: {r}");
            }
            other => panic!("{other:?}"),
        }
    }
}
