//! Bad input is rejected before any request is sent.

mod common;

use common::*;
use httpmock::prelude::*;
use payspec_mobilepay::{ErrorKind, NewPayment, NewRefund, PageSize};

async fn rejected<F, Fut, T>(call: F) -> String
where
    F: FnOnce(payspec_mobilepay::Client) -> Fut,
    Fut: std::future::Future<Output = payspec_mobilepay::Result<T>>,
    T: std::fmt::Debug,
{
    let server = MockServer::start_async().await;
    let any = server.mock(|when, then| {
        when.any_request();
        then.status(500);
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = call(client).await.unwrap_err();
    assert_eq!(any.calls_async().await, 0, "nothing may be sent");
    match error.kind() {
        ErrorKind::InvalidRequest(message) => message.clone(),
        other => panic!("expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn amount_zero() {
    let m = rejected(|c| async move {
        c.initiate_payment(NewPayment::new(0, POINT, "myapp://x", "r")?)
            .await
    })
    .await;
    assert!(m.contains("amount"), "{m}");
    let m = rejected(|c| async move { c.capture_payment(PAYMENT, 0).await }).await;
    assert!(m.contains("amount"), "{m}");
    let m =
        rejected(|c| async move { c.issue_refund(NewRefund::new(PAYMENT, 0, "r")?).await }).await;
    assert!(m.contains("amount"), "{m}");
}

#[tokio::test]
async fn amount_above_int32() {
    let m = rejected(|c| async move { c.capture_payment(PAYMENT, u32::MAX).await }).await;
    assert!(m.contains("amount"), "{m}");
}

#[tokio::test]
async fn reference_of_65_characters() {
    let reference = "r".repeat(65);
    let m = rejected(|c| async move {
        c.initiate_payment(NewPayment::new(1, POINT, "myapp://x", reference)?)
            .await
    })
    .await;
    assert!(m.contains("reference"), "{m}");
    let ok = "r".repeat(64);
    let server = MockServer::start_async().await;
    let mock = server.mock(|when, then| {
        when.method(POST).path("/v1/payments");
        then.status(200)
            .json_body(serde_json::json!({"paymentId": PAYMENT}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    client
        .initiate_payment(NewPayment::new(1, POINT, "myapp://x", ok).unwrap())
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn long_description_redirect_and_phone() {
    let m = rejected(|c| async move {
        c.initiate_payment(
            NewPayment::new(1, POINT, "myapp://x", "r")?.description("d".repeat(201)),
        )
        .await
    })
    .await;
    assert!(m.contains("200") || m.contains("longer"), "{m}");
    rejected(|c| async move {
        c.initiate_payment(NewPayment::new(1, POINT, "u".repeat(2001), "r")?)
            .await
    })
    .await;
    rejected(|c| async move {
        c.initiate_payment(
            NewPayment::new(1, POINT, "myapp://x", "r")?
                .customer_phone_number("+45123456789012345"),
        )
        .await
    })
    .await;
}

#[tokio::test]
async fn non_uuid_ids() {
    let m = rejected(|c| async move {
        c.initiate_payment(NewPayment::new(1, "point-7", "myapp://x", "r")?)
            .await
    })
    .await;
    assert!(m.contains("UUID") && m.contains("point-7"), "{m}");
    rejected(|c| async move { c.get_payment("123").await }).await;
    rejected(|c| async move { c.capture_payment("abc", 1).await }).await;
    rejected(|c| async move { c.cancel_payment_by_idempotency_key("key-1").await }).await;
    rejected(|c| async move { c.issue_refund(NewRefund::new("p1", 1, "r")?).await }).await;
    rejected(|c| async move { c.simulate_reservation(PAYMENT, "src", "user").await }).await;
    rejected(|c| async move { c.get_refund("r1").await }).await;
}

#[test]
fn page_size_outside_1_to_1000() {
    assert!(PageSize::new(0).is_err());
    assert!(PageSize::new(1001).is_err());
    assert!(PageSize::new(1).is_ok() && PageSize::new(1000).is_ok());
}

#[tokio::test]
async fn page_number_zero() {
    rejected(|c| async move { c.list_payment_points_page(0, PageSize::DEFAULT).await }).await;
}
