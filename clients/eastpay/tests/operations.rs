//! Every EastPay operation against httpmock: the form body exactly as OPP expects it
//! (keys with dots and brackets, entityId, decimal amount), the Authorization header,
//! entityId in the query of GETs, and the answers as typed outcomes.

use httpmock::prelude::*;
use payspec_core::CallFailure;
use payspec_eastpay::{
    Card, Client, Error, Money, NewCheckout, NewPayment, RedirectMethod, ResultClass,
};
use serde_json::json;

const ENTITY: &str = "8a8294174b7ecb28014b9699220015ca";

fn client(server: &MockServer) -> Client {
    Client::builder()
        .base_url(server.base_url())
        .access_token("OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c3k2S0pzVDg=")
        .entity_id(ENTITY)
        .build()
        .unwrap()
}

/// The request's form pairs equal `expected` (order aside), nothing more, nothing less.
fn form_is(req: &HttpMockRequest, expected: &[(&str, &str)]) -> bool {
    payspec_testkit::form_is(req.body().as_ref(), expected)
}

const AUTH: &str = "Bearer OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c3k2S0pzVDg=";
const FORM: &str = "application/x-www-form-urlencoded; charset=UTF-8";

fn approved() -> serde_json::Value {
    json!({"id": "8ac7a4a18f0b1b0a018f0c2b5e3d1a2b", "paymentType": "DB", "paymentBrand": "VISA",
        "amount": "92.00", "currency": "EUR", "descriptor": "7811.8431.8784 OPP_Channel",
        "result": {"code": "000.100.110", "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
        "card": {"bin": "420000", "last4Digits": "0000", "holder": "Jane Jones", "expiryMonth": "05", "expiryYear": "2034"},
        "risk": {"score": "100"}, "buildNumber": "b@2024", "timestamp": "2024-05-07 08:09:10+0000", "ndc": "n"})
}

#[tokio::test]
async fn create_payment_sends_the_opp_form() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/v3/payments")
            .header("authorization", AUTH)
            .header("content-type", FORM)
            .is_true(|req| {
                form_is(
                    req,
                    &[
                        ("entityId", ENTITY),
                        ("amount", "92.00"),
                        ("currency", "EUR"),
                        ("paymentBrand", "VISA"),
                        ("paymentType", "DB"),
                        ("card.number", "4200000000000000"),
                        ("card.holder", "Jane Jones"),
                        ("card.expiryMonth", "05"),
                        ("card.expiryYear", "2034"),
                        ("card.cvv", "123"),
                        ("merchantTransactionId", "order-1001"),
                        ("shopperResultUrl", "https://shop.example/return?a=1&b=2"),
                        ("customParameters[SHOPPER_orderId]", "1001"),
                    ],
                )
            });
        then.status(200).json_body(approved());
    });
    let payment = client(&server)
        .create_payment(
            NewPayment::debit(Money::new(9200, "EUR").unwrap())
                .card(
                    "VISA",
                    Card::new("4200000000000000", "05", "2034", "123").holder("Jane Jones"),
                )
                .merchant_transaction_id("order-1001")
                .shopper_result_url("https://shop.example/return?a=1&b=2")
                .custom_parameter("SHOPPER_orderId", "1001"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
    assert!(payment.is_success());
    assert_eq!(payment.class(), ResultClass::Success);
    assert_eq!(payment.code().unwrap().to_string(), "000.100.110");
    assert_eq!(payment.amount().unwrap(), Money::new(9200, "EUR").unwrap());
    assert_eq!(
        payment
            .result()
            .card
            .as_ref()
            .unwrap()
            .last4_digits
            .as_deref(),
        Some("0000")
    );
}

#[tokio::test]
async fn the_raw_body_has_literal_keys_with_dots_and_brackets() {
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(POST)
            .path("/v3/payments")
            .body_includes("card.number=4200000000000000")
            .body_includes("customParameters%5BSHOPPER_x%5D=y");
        then.status(200).json_body(approved());
    });
    client(&server)
        .create_payment(
            NewPayment::preauthorization(Money::new(100, "EUR").unwrap())
                .card("VISA", Card::new("4200000000000000", "05", "2034", "123"))
                .custom_parameter("SHOPPER_x", "y"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn checkout_backoffice_get_and_query() {
    let server = MockServer::start_async().await;
    let checkout = server.mock(|when, then| {
        when.method(POST).path("/v3/checkouts").header("authorization", AUTH).is_true(|req| {
            form_is(req, &[("entityId", ENTITY), ("amount", "1000"), ("currency", "JPY"), ("paymentType", "DB"),
                ("notificationUrl", "https://shop.example/notify"), ("createRegistration", "true")])
        });
        then.status(200).json_body(json!({"id": "8F0B1C8E.uat01", "result": {"code": "000.200.100", "description": "successfully created checkout"}}));
    });
    let checkout_payment = server.mock(|when, then| {
        when.method(GET)
            .path("/v3/checkouts/8F0B1C8E.uat01/payment")
            .query_param("entityId", ENTITY)
            .header("authorization", AUTH);
        then.status(200).json_body(approved());
    });
    let capture = server.mock(|when, then| {
        when.method(POST).path("/v3/payments/pay-1").is_true(|req| {
            form_is(
                req,
                &[
                    ("entityId", ENTITY),
                    ("amount", "1.250"),
                    ("currency", "KWD"),
                    ("paymentType", "CP"),
                ],
            )
        });
        then.status(200).json_body(
            json!({"id": "cp-1", "paymentType": "CP", "result": {"code": "000.000.000"}}),
        );
    });
    let refund = server.mock(|when, then| {
        when.method(POST).path("/v3/payments/pay-2").is_true(|req| {
            form_is(
                req,
                &[
                    ("entityId", ENTITY),
                    ("amount", "10.00"),
                    ("currency", "EUR"),
                    ("paymentType", "RF"),
                ],
            )
        });
        then.status(200).json_body(
            json!({"id": "rf-1", "paymentType": "RF", "result": {"code": "000.000.000"}}),
        );
    });
    let reverse = server.mock(|when, then| {
        when.method(POST)
            .path("/v3/payments/pay-3")
            .is_true(|req| form_is(req, &[("entityId", ENTITY), ("paymentType", "RV")]));
        then.status(200).json_body(
            json!({"id": "rv-1", "paymentType": "RV", "result": {"code": "000.000.000"}}),
        );
    });
    let get = server.mock(|when, then| {
        when.method(GET)
            .path("/v3/payments/pay-1")
            .query_param("entityId", ENTITY);
        then.status(200).json_body(approved());
    });
    let query = server.mock(|when, then| {
        when.method(GET).path("/v3/query/pay-1").query_param("entityId", ENTITY);
        then.status(200).json_body(json!({"id": "pay-1", "result": {"code": "000.200.000", "description": "transaction pending"}}));
    });
    let client = client(&server);
    let created = client
        .create_checkout(
            NewCheckout::debit(Money::new(1000, "JPY").unwrap())
                .notification_url("https://shop.example/notify")
                .create_registration(true),
        )
        .await
        .unwrap();
    assert_eq!(created.id(), Some("8F0B1C8E.uat01"));
    assert!(
        client
            .get_checkout_payment("8F0B1C8E.uat01")
            .await
            .unwrap()
            .is_success()
    );
    assert!(
        client
            .capture("pay-1", &Money::new(1250, "KWD").unwrap())
            .await
            .unwrap()
            .is_success()
    );
    assert!(
        client
            .refund("pay-2", &Money::new(1000, "EUR").unwrap())
            .await
            .unwrap()
            .is_success()
    );
    assert!(client.reverse("pay-3").await.unwrap().is_success());
    assert!(client.get_payment("pay-1").await.unwrap().is_success());
    let pending = client.query_transaction("pay-1").await.unwrap();
    assert!(pending.is_pending());
    for mock in [
        checkout,
        checkout_payment,
        capture,
        refund,
        reverse,
        get,
        query,
    ] {
        mock.assert_async().await;
    }
}

#[tokio::test]
async fn a_declined_payment_is_a_typed_outcome_with_its_class() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v3/payments");
        then.status(400).json_body(json!({"id": "8ac7a4a2", "paymentType": "DB", "amount": "92.00", "currency": "EUR",
            "result": {"code": "800.100.153", "description": "transaction declined (invalid CVV)"}}));
    });
    let payment = client(&server)
        .create_payment(
            NewPayment::debit(Money::new(9200, "EUR").unwrap())
                .card("VISA", Card::new("4200000000000000", "05", "2034", "999")),
        )
        .await
        .expect("a decline is an outcome, not an error");
    assert!(payment.is_declined());
    assert_eq!(payment.http_status(), 400);
    assert_eq!(payment.code().unwrap().to_string(), "800.100.153");
    assert_eq!(
        payment.class(),
        ResultClass::RejectedBank,
        "first matching pattern: 800.[17]00"
    );
    assert!(payment.class().is_rejection());
    assert_eq!(
        payment.description(),
        Some("transaction declined (invalid CVV)")
    );
}

#[tokio::test]
async fn a_malformed_request_is_a_validation_error_and_auth_failures_are_distinct() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET).path("/v3/payments/bad");
        then.status(400).json_body(json!({"result": {"code": "200.300.404", "description": "invalid or missing parameter"}}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v3/payments/noauth");
        then.status(401).json_body(json!({"result": {"code": "800.900.300", "description": "invalid authentication information"}}));
    });
    server.mock(|when, then| {
        when.method(GET).path("/v3/payments/badtoken");
        then.status(403).json_body(
            json!({"result": {"code": "800.900.301", "description": "user authorization failed"}}),
        );
    });
    server.mock(|when, then| {
        when.method(GET).path("/v3/payments/missing");
        then.status(404).json_body(
            json!({"result": {"code": "700.400.580", "description": "cannot find transaction"}}),
        );
    });
    let client = client(&server);
    match client.get_payment("bad").await.unwrap_err() {
        Error::Validation { class, code, .. } => {
            assert_eq!(class, ResultClass::FormatValidation);
            assert_eq!(code, "200.300.404");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        client.get_payment("noauth").await.unwrap_err(),
        Error::Auth { status: 401, .. }
    ));
    assert!(matches!(
        client.get_payment("badtoken").await.unwrap_err(),
        Error::Auth { status: 403, .. }
    ));
    let missing = client.get_payment("missing").await.unwrap_err();
    assert_eq!(missing.status().unwrap().as_u16(), 404);
    assert_eq!(missing.code().unwrap().to_string(), "700.400.580");
}

#[tokio::test]
async fn a_3ds_redirect_is_a_renderable_type() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/v3/payments");
        then.status(200).json_body(json!({"id": "p", "result": {"code": "000.200.000", "description": "transaction pending"},
            "redirect": {"url": "https://acs.example/3ds?x=1&y=<2>", "method": "POST",
                "parameters": [{"name": "TermUrl", "value": "https://gw.example/term?\"q\""}, {"name": "PaReq", "value": "eJxVUt1u"}]}}));
    });
    let payment = client(&server)
        .create_payment(
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", Card::new("4200000000000000", "05", "2034", "123")),
        )
        .await
        .unwrap();
    assert!(payment.is_pending());
    let redirect = payment.redirect().unwrap();
    assert_eq!(redirect.method, RedirectMethod::Post);
    assert_eq!(
        redirect.parameters[1],
        ("PaReq".to_string(), "eJxVUt1u".to_string())
    );
    let html = redirect.html_form();
    assert!(
        html.contains(r#"action="https://acs.example/3ds?x=1&amp;y=&lt;2&gt;""#),
        "{html}"
    );
    assert!(
        html.contains(r#"value="https://gw.example/term?&quot;q&quot;""#),
        "{html}"
    );
    assert!(html.contains(r#"method="post""#));
}

#[tokio::test]
async fn bad_input_is_refused_before_sending() {
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let client = client(&server);
    let card = |month: &str| Card::new("4200000000000000", month, "2034", "123");
    let money = || Money::new(100, "EUR").unwrap();
    for payment in [
        NewPayment::debit(money()).card("VISA", card("13")),
        NewPayment::debit(money()).card("VI SA", card("05")),
        NewPayment::debit(money()).merchant_transaction_id("short"),
        NewPayment::debit(money()).shopper_result_url("x"),
        NewPayment::debit(money()).custom_parameter("bad name", "v"),
    ] {
        let error = client.create_payment(payment).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    }
    assert_eq!(any.calls_async().await, 0);
    assert!(
        Client::builder()
            .access_token("t")
            .entity_id(ENTITY)
            .build()
            .unwrap_err()
            .to_string()
            .contains("base URL")
    );
    assert!(
        Client::builder()
            .base_url(server.base_url())
            .access_token("t")
            .entity_id("not/valid")
            .build()
            .is_err()
    );
}
