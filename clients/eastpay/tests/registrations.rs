//! OPP's stored cards (registrations), from OPP's published API: store a card, pay with
//! it, delete it. The exact forms on the wire against httpmock, then the flow against
//! the sandbox.

use httpmock::prelude::*;
use payspec_eastpay::{Card, Client, Error, Money, NewPayment};
use payspec_eastpay_sandbox::{Config, Sandbox};
use serde_json::json;

const ENTITY: &str = "8a8294174b7ecb28014b9699220015ca";
const TOKEN: &str = "OGE4Mjk0MTc0YjdlY2IyODAxNGI5Njk5MjIwMDE1Y2N8c3k2S0pzVDg=";

/// The request's form pairs equal `expected` (order aside), nothing more, nothing less.
fn form_is(req: &HttpMockRequest, expected: &[(&str, &str)]) -> bool {
    payspec_testkit::form_is(req.body().as_ref(), expected)
}

fn success(id: &str) -> serde_json::Value {
    json!({"id": id, "paymentBrand": "MASTER",
        "result": {"code": "000.100.110", "description": "Request successfully processed in 'Merchant in Integrator Test Mode'"},
        "card": {"bin": "545454", "last4Digits": "5454", "holder": "Ana Lind", "expiryMonth": "11", "expiryYear": "2031"},
        "buildNumber": "b", "timestamp": "2024-05-07 08:09:10+0000", "ndc": "n"})
}

#[tokio::test]
async fn registrations_send_the_opp_forms() {
    let server = MockServer::start_async().await;
    let store = server.mock(|when, then| {
        when.method(POST)
            .path("/v3/registrations")
            .header("authorization", format!("Bearer {TOKEN}"))
            .is_true(|req| {
                form_is(
                    req,
                    &[
                        ("entityId", ENTITY),
                        ("paymentBrand", "MASTER"),
                        ("card.number", "5454545454545454"),
                        ("card.holder", "Ana Lind"),
                        ("card.expiryMonth", "11"),
                        ("card.expiryYear", "2031"),
                        ("card.cvv", "321"),
                    ],
                )
            });
        then.status(200).json_body(success("reg-1"));
    });
    let pay = server.mock(|when, then| {
        when.method(POST)
            .path("/v3/registrations/reg-1/payments")
            .is_true(|req| {
                form_is(
                    req,
                    &[
                        ("entityId", ENTITY),
                        ("amount", "15.50"),
                        ("currency", "EUR"),
                        ("paymentType", "DB"),
                        ("merchantTransactionId", "order-2001"),
                    ],
                )
            });
        then.status(200)
            .json_body(json!({"id": "pay-1", "registrationId": "reg-1",
            "paymentType": "DB", "amount": "15.50", "currency": "EUR",
            "result": {"code": "000.100.110", "description": "ok"}}));
    });
    let delete = server.mock(|when, then| {
        when.method(DELETE)
            .path("/v3/registrations/reg-1")
            .query_param("entityId", ENTITY);
        then.status(200).json_body(success("reg-1"));
    });
    let client = Client::builder()
        .base_url(server.base_url())
        .access_token(TOKEN)
        .entity_id(ENTITY)
        .build()
        .unwrap();
    let card = Card::new("5454545454545454", "11", "2031", "321").holder("Ana Lind");
    let stored = client.create_registration("MASTER", card).await.unwrap();
    assert_eq!(stored.id(), Some("reg-1"));
    let paid = client
        .pay_with_registration(
            "reg-1",
            NewPayment::debit(Money::new(1550, "EUR").unwrap())
                .merchant_transaction_id("order-2001"),
        )
        .await
        .unwrap();
    assert!(paid.is_success());
    assert_eq!(paid.registration_id(), Some("reg-1"));
    assert!(
        client
            .delete_registration("reg-1")
            .await
            .unwrap()
            .is_success()
    );
    assert_eq!(store.calls_async().await, 1);
    assert_eq!(pay.calls_async().await, 1);
    assert_eq!(delete.calls_async().await, 1);

    // A payment with a stored card names no card.
    let error = client
        .pay_with_registration(
            "reg-1",
            NewPayment::debit(Money::new(100, "EUR").unwrap())
                .card("VISA", Card::new("4200000000000000", "05", "2034", "123")),
        )
        .await
        .unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error}");
    // A bad expiry never leaves the process.
    let error = client
        .create_registration("VISA", Card::new("4200000000000000", "13", "2034", "123"))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("card.expiry_month"), "{error}");
    assert_eq!(store.calls_async().await, 1);
}

#[tokio::test]
async fn the_sandbox_stores_pays_with_and_deletes_a_card() {
    let sandbox = Sandbox::start(Config::default().seed(3)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let stored = client
        .create_registration("MASTER", Card::new("5454545454545454", "11", "2031", "321"))
        .await
        .unwrap();
    assert!(stored.is_success());
    let registration = stored.id().unwrap().to_string();
    assert_eq!(
        stored
            .result()
            .card
            .as_ref()
            .unwrap()
            .last4_digits
            .as_deref(),
        Some("5454")
    );

    let paid = client
        .pay_with_registration(
            &registration,
            NewPayment::debit(Money::new(1550, "EUR").unwrap()),
        )
        .await
        .unwrap();
    assert!(paid.is_success(), "{:?}", paid.description());
    assert_eq!(paid.registration_id(), Some(registration.as_str()));
    assert_eq!(paid.result().payment_brand.as_deref(), Some("MASTER"));
    let refund = client
        .refund(paid.id().unwrap(), &Money::new(550, "EUR").unwrap())
        .await
        .unwrap();
    assert!(refund.is_success());

    // A card stored by a payment pays too.
    let first = client
        .create_payment(
            NewPayment::preauthorization(Money::new(300, "EUR").unwrap())
                .card("VISA", Card::new("4200000000000000", "12", "2030", "123"))
                .create_registration(true),
        )
        .await
        .unwrap();
    let token = first.registration_id().unwrap().to_string();
    let again = client
        .pay_with_registration(
            &token,
            NewPayment::preauthorization(Money::new(300, "EUR").unwrap()),
        )
        .await
        .unwrap();
    assert!(again.is_success());

    // Deleted, the card pays no more; an unknown registration neither.
    assert!(
        client
            .delete_registration(&registration)
            .await
            .unwrap()
            .is_success()
    );
    for id in [registration.as_str(), "0123456789abcdef0123456789abcdef"] {
        match client
            .pay_with_registration(id, NewPayment::debit(Money::new(100, "EUR").unwrap()))
            .await
            .unwrap_err()
        {
            Error::Validation { code, .. } => assert_eq!(code, "200.300.404"),
            other => panic!("{other:?}"),
        }
    }
    assert!(client.delete_registration(&registration).await.is_err());
    sandbox.shutdown().await;
}

/// OPP requires the brand of a card paid server-to-server: the sandbox refuses a card
/// payment without `paymentBrand` (the client's `NewPayment::card` always sends one; the
/// raw API can leave it out).
#[tokio::test]
async fn the_sandbox_refuses_a_card_payment_without_its_brand() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let body = payspec_eastpay::types::PaymentRequest::builder()
        .entity_id(payspec_eastpay_sandbox::ENTITY_ID)
        .amount("10.00")
        .currency("EUR")
        .payment_type(payspec_eastpay::open_enums::ServerPaymentType::Db)
        .card_number(Some("4200000000000000".into()))
        .card_expiry_month(Some("05".try_into().unwrap()))
        .card_expiry_year(Some("2034".try_into().unwrap()))
        .extra(std::collections::BTreeMap::new());
    let error = client
        .api()
        .create_payment()
        .body(body)
        .send()
        .await
        .unwrap_err();
    let error = Error::from(error);
    assert_eq!(error.code().unwrap().to_string(), "200.300.404");
    assert!(error.to_string().contains("paymentBrand"), "{error}");
    sandbox.shutdown().await;
}
