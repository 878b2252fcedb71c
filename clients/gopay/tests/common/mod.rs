//! Helpers shared by the GoPay integration tests.
#![allow(dead_code)]

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use httpmock::prelude::*;
use payspec_core::RetryPolicy;
use payspec_gopay::{Client, ClientBuilder, Scope};

pub const CLIENT_ID: &str = "client_id_123";
pub const CLIENT_SECRET: &str = "secret-xyz";

/// `Basic base64(client_id:client_secret)`.
pub fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    )
}

/// A JWT-shaped token whose `exp` is `lifetime` from now.
pub fn jwt(tag: &str, lifetime: Duration) -> String {
    let exp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        + lifetime;
    format!(
        "{}.{}.{tag}",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT","kid":"key-2025-04"}"#),
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"{CLIENT_ID}","scope":"payment:create","exp":{}}}"#,
            exp.as_secs()
        ))
    )
}

pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder()
        .base_url(base_url)
        .client_id(CLIENT_ID)
        .client_secret(CLIENT_SECRET)
        .scope(Scope::PaymentCreate)
        .scope(Scope::PaymentRead)
        .retry_policy(RetryPolicy {
            base_delay: Duration::from_millis(5),
            ..RetryPolicy::default()
        })
}

/// The client-credentials token endpoint exactly as the seed shows it.
pub fn token_mock<'a>(server: &'a MockServer, access: &str, refresh: &str) -> httpmock::Mock<'a> {
    let access = access.to_string();
    let refresh = refresh.to_string();
    server.mock(move |when, then| {
        when.method(POST)
            .path("/oauth2/token")
            .header("authorization", basic())
            .header("content-type", "application/x-www-form-urlencoded")
            .body("grant_type=client_credentials&scope=payment%3Acreate+payment%3Aread");
        then.status(200).json_body(serde_json::json!({
            "access_token": access, "token_type": "bearer", "refresh_token": refresh, "expires_in": 900
        }));
    })
}

/// What a payer's browser reports for 3-D Secure 2 (`charge_card`).
pub fn browser_data() -> payspec_gopay::types::BrowserData {
    payspec_gopay::types::BrowserData::builder()
        .language("cs-CZ")
        .timezone(-60)
        .screen_width(1280)
        .screen_height(800)
        .color_depth(std::num::NonZeroU32::new(24).unwrap())
        .user_agent("ExampleBrowser/1.0")
        .accept_header(r#"{"accept":"text/html"}"#)
        .javascript_enabled(true)
        .try_into()
        .unwrap()
}
