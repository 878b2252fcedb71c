//! GoPay's hosted card form, as the sandbox serves it at `card_form_url()`: the payer
//! types the card into GoPay's page (an iframe in the merchant's page), the page hands
//! the merchant the card encrypted to GoPay's key, and the merchant's server charges or
//! tokenizes that JWE without ever seeing the card. Here over HTTP; the iframe and its
//! message to the merchant's page run in Chromium in `conformance/tests/payer_pages.rs`.

mod common;

use payspec_gopay::jwe::{Jwe, JweError, MAX_JWE_LEN};
use payspec_gopay::open_enums::{Currency, PaymentState};
use payspec_gopay::{CardInput, ChargeExt, NewPayment, NextStep};
use payspec_gopay_sandbox::{Config, Sandbox};

/// The text of `<output id="result">` in a page.
fn result(html: &str) -> Option<&str> {
    let start = html.find("<output id=\"result\">")? + "<output id=\"result\">".len();
    let end = start + html[start..].find("</output>")?;
    Some(&html[start..end])
}

#[tokio::test]
async fn the_card_form_encrypts_the_card_for_the_merchant_to_charge() {
    let sandbox = Sandbox::start(Config::default().seed(50)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let form = format!(
        "{}?origin=http://shop.example:8443",
        client.card_form_url().await.unwrap()
    );
    let http = payspec_core::HttpConfig::default().build().unwrap();
    let page = http.get(&form).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for input in ["card_pan", "exp_month", "exp_year", "cvv"] {
        assert!(
            html.contains(&format!("name=\"{input}\"")),
            "{input}: {html}"
        );
    }
    // Ready, to the framing page's origin only, and GoPay's names for the rest of the
    // conversation (iframe-protocol.ts).
    assert!(html.contains(r#""onLoad":[{"type":"GOPAY_CARD_ENCRYPT_READY"}]"#));
    assert!(html.contains(r#""origin":"http://shop.example:8443""#));
    for name in [
        "GOPAY_CARD_FORM_INIT",
        "GOPAY_CARD_REQUEST_SUBMIT",
        "GOPAY_CARD_FORM_VALIDITY",
        "GOPAY_CARD_FORM_ERRORS",
        "GOPAY_CARD_FORM_HEIGHT",
    ] {
        assert!(html.contains(&format!("\"{name}\"")), "{name}");
    }

    // A card that fails the Luhn check is shown again with why, and nothing else.
    let card = |pan: &str| {
        [
            ("card_pan", pan.to_string()),
            ("exp_month", "12".into()),
            ("exp_year", "30".into()),
            ("cvv", "123".into()),
        ]
    };
    let refused = http
        .post(&form)
        .form(&card("4111111111111112"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Luhn") && result(&html).is_none(), "{html}");
    assert!(!html.contains("4111111111111112"));
    // The framing page is told which field, never what was typed.
    let errors = |field: &str| {
        format!(
            r#"{{"errors":[{{"code":"pattern","field":"{field}"}}],"type":"GOPAY_CARD_FORM_ERRORS"}}"#
        )
    };
    assert!(html.contains(&errors("pan")), "{html}");
    let mut bad_month = card("4111111111111111");
    bad_month[1].1 = "13".into();
    let refused = http.post(&form).form(&bad_month).send().await.unwrap();
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains(&errors("expiry")), "{html}");
    assert!(!html.contains("4111111111111111"));

    let encrypted = http
        .post(&form)
        .form(&card("4111 1111 1111 1111"))
        .send()
        .await
        .unwrap();
    assert_eq!(encrypted.status(), 200);
    let html = encrypted.text().await.unwrap();
    assert!(
        !html.contains("4111111111111111") && !html.contains("4111 1111"),
        "{html}"
    );
    let jwe = Jwe::parse(result(&html).unwrap()).unwrap();
    assert!(html.contains(&format!(
        r#"{{"card_token":"{}","type":"GOPAY_CARD_ENCRYPT_RESULT"}}, "http://shop.example:8443""#,
        jwe.as_str()
    )));
    // Encrypted to the key GoPay's key endpoint gives.
    assert_eq!(jwe.kid(), client.public_key().await.unwrap().kid);

    // The merchant's server charges it ...
    let id = client
        .create_payment(NewPayment::new(2500, Currency::Czk, "o-form").unwrap())
        .await
        .unwrap()
        .id;
    let charge = client
        .charge_card(
            &id,
            CardInput::Encrypted(jwe.clone()),
            common::browser_data(),
            None,
        )
        .await
        .unwrap();
    assert_eq!(charge.next_step(), NextStep::Done);
    assert_eq!(
        client.get_payment(&id).await.unwrap().state,
        PaymentState::Paid
    );
    // ... or keeps it as a card token.
    let card = client.create_card_token(&jwe, false).await.unwrap();
    assert_eq!(card.masked_pan.as_deref(), Some("411111******1111"));

    // Without an origin, the page posts nothing to anyone.
    let bare = client.card_form_url().await.unwrap();
    let html = http
        .post(&bare)
        .form(&card_data())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        result(&html).is_some() && !html.contains("<script"),
        "{html}"
    );
}

fn card_data() -> [(&'static str, &'static str); 4] {
    [
        ("card_pan", "5555555555554444"),
        ("exp_month", "01"),
        ("exp_year", "2031"),
        ("cvv", "999"),
    ]
}

#[test]
fn a_jwe_from_elsewhere_is_checked_for_shape() {
    let header = |json: &str| {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    };
    let good = format!(
        "{}.a2V5.aXY.Y2lwaGVy.dGFn",
        header(r#"{"alg":"RSA-OAEP-256","enc":"A256GCM","kid":"k1"}"#)
    );
    assert_eq!(Jwe::parse(&good).unwrap().kid(), "k1");
    let malformed = |text: &str| matches!(Jwe::parse(text), Err(JweError::Malformed(_)));
    let other_alg = format!(
        "{}.a2V5.aXY.Y2lwaGVy.dGFn",
        header(r#"{"alg":"RSA1_5","enc":"A256GCM"}"#)
    );
    assert!(malformed(&other_alg));
    assert!(malformed("a.b.c.d"));
    assert!(malformed(""));
    assert!(malformed(&format!("{good}.x")));
    assert!(malformed(&good.replace("a2V5", "a2V+")));
    assert!(malformed(&good.replace("a2V5", "")));
    assert!(malformed(&"a".repeat(MAX_JWE_LEN + 1)));
    assert!(malformed(&format!(
        "{}.a2V5.aXY.Y2lwaGVy.dGFn",
        header("not json")
    )));
}
