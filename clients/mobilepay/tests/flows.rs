//! Idempotent retries, the recovery helper, pagination and errors, against a scripted
//! server and httpmock.

mod common;

use common::*;
use futures::StreamExt;
use httpmock::prelude::*;
use payspec_core::CallFailure;
use payspec_mobilepay::{ErrorCode, ErrorKind, NewPayment, PageSize, PaymentFilter};
use serde_json::json;

fn initiate_ok() -> Reply {
    Reply::json(
        200,
        json!({"paymentId": PAYMENT, "mobilePayAppRedirectUri": "https://app.example/x"}),
    )
}

fn unavailable() -> Reply {
    Reply::json(
        503,
        json!({"code": "processing_error", "message": "try later", "correlationId": "c", "origin": "MPY"}),
    )
}

fn body(seen: &Seen) -> serde_json::Value {
    serde_json::from_str(&seen.body).unwrap()
}

#[tokio::test]
async fn a_retried_initiate_keeps_its_idempotency_key() {
    let server = Scripted::start(vec![], vec![unavailable(), initiate_ok()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    client
        .initiate_payment(NewPayment::new(100, POINT, "myapp://x", "order-1").unwrap())
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "the 503 was retried");
    assert_eq!(body(&seen[0])["idempotencyKey"], KEY_1);
    assert_eq!(
        body(&seen[1])["idempotencyKey"],
        KEY_1,
        "the same key on the retry"
    );
    assert_eq!(seen[0].body, seen[1].body, "the identical body");
}

#[tokio::test]
async fn separate_initiates_get_separate_keys() {
    let server = Scripted::start(vec![], vec![initiate_ok()]).await;
    let client = builder(&server.url("http")).build().unwrap();
    let a = client
        .initiate_payment(NewPayment::new(100, POINT, "myapp://x", "order-1").unwrap())
        .await
        .unwrap();
    let b = client
        .initiate_payment(NewPayment::new(100, POINT, "myapp://x", "order-2").unwrap())
        .await
        .unwrap();
    assert_ne!(a.idempotency_key, b.idempotency_key);
    let keys: Vec<_> = server
        .seen()
        .iter()
        .map(|s| body(s)["idempotencyKey"].clone())
        .collect();
    assert_eq!(keys, vec![json!(KEY_1), json!(KEY_2)]);
}

#[tokio::test]
async fn capture_is_retried_on_5xx_but_cancel_is_not() {
    let server = Scripted::start(
        vec![],
        vec![
            unavailable(),
            Reply {
                status: 204,
                headers: vec![],
                body: String::new(),
            },
        ],
    )
    .await;
    let client = builder(&server.url("http")).build().unwrap();
    client.capture_payment(PAYMENT, 100).await.unwrap();
    assert_eq!(server.seen().len(), 2);

    let server = Scripted::start(
        vec![],
        vec![
            unavailable(),
            Reply {
                status: 204,
                headers: vec![],
                body: String::new(),
            },
        ],
    )
    .await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client.cancel_payment(PAYMENT).await.unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        server.seen().len(),
        1,
        "cancel is not documented idempotent: no retry"
    );
}

#[tokio::test]
async fn a_lost_initiate_is_repeated_with_the_same_key_then_cancelled_by_key() {
    let server = MockServer::start_async().await;
    let initiate = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments")
            .json_body_includes(json!({"idempotencyKey": KEY_1}).to_string());
        then.status(503)
            .json_body(json!({"code": "processing_error", "message": "down"}));
    });
    let cancel = server.mock(|when, then| {
        when.method(POST)
            .path("/v1/payments/cancel")
            .json_body(json!({"idempotencyKey": KEY_1}));
        then.status(204);
    });
    let client = builder(&server.base_url()).build().unwrap();
    let error = client
        .initiate_payment_with_recovery(
            NewPayment::new(100, POINT, "myapp://x", "order-1").unwrap(),
        )
        .await
        .unwrap_err();
    match error.kind() {
        ErrorKind::InitiateAbandoned {
            idempotency_key,
            cancelled,
            ..
        } => {
            assert_eq!(idempotency_key.to_string(), KEY_1);
            assert!(*cancelled);
        }
        other => panic!("expected InitiateAbandoned, got {other:?}"),
    }
    // 3 attempts (automatic retries) for each of the two initiates, all with KEY_1.
    assert_eq!(initiate.calls_async().await, 6);
    assert_eq!(cancel.calls_async().await, 1);
    assert!(error.correlation_id().is_some());
}

#[tokio::test]
async fn recovery_succeeds_when_the_repeat_gets_an_answer() {
    let server = Scripted::start(
        vec![],
        vec![unavailable(), unavailable(), unavailable(), initiate_ok()],
    )
    .await;
    let client = builder(&server.url("http")).build().unwrap();
    let initiated = client
        .initiate_payment_with_recovery(
            NewPayment::new(100, POINT, "myapp://x", "order-1").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(initiated.idempotency_key.to_string(), KEY_1);
    let seen = server.seen();
    assert_eq!(seen.len(), 4);
    assert!(seen.iter().all(|s| body(s)["idempotencyKey"] == KEY_1));
    assert!(seen.iter().all(|s| s.path == "/v1/payments"), "no cancel");
}

#[tokio::test]
async fn a_definite_rejection_is_not_recovered() {
    let server = Scripted::start(
        vec![],
        vec![Reply::json(
            409,
            json!({"code": "invalid_payment_point", "message": "no"}),
        )],
    )
    .await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client
        .initiate_payment_with_recovery(
            NewPayment::new(100, POINT, "myapp://x", "order-1").unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(&ErrorCode::InvalidPaymentPoint));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn pagination_follows_three_pages_and_ends() {
    let server = MockServer::start_async().await;
    let payment = |n: u32| json!({"paymentId": format!("00000000-0000-4000-8000-00000000000{n}"), "amount": n});
    let pages = [
        server.mock(|when, then| {
            when.method(GET)
                .path("/v1/payments")
                .query_param("pageNumber", "1")
                .query_param("pageSize", "2");
            then.status(200).json_body(
                json!({"pageSize": 2, "nextPageNumber": 2, "payments": [payment(1), payment(2)]}),
            );
        }),
        server.mock(|when, then| {
            when.method(GET)
                .path("/v1/payments")
                .query_param("pageNumber", "2")
                .query_param("pageSize", "2");
            then.status(200).json_body(
                json!({"pageSize": 2, "nextPageNumber": 3, "payments": [payment(3), payment(4)]}),
            );
        }),
        server.mock(|when, then| {
            when.method(GET)
                .path("/v1/payments")
                .query_param("pageNumber", "3")
                .query_param("pageSize", "2");
            then.status(200).json_body(
                json!({"pageSize": 2, "nextPageNumber": null, "payments": [payment(5)]}),
            );
        }),
    ];
    let client = builder(&server.base_url()).build().unwrap();
    let amounts: Vec<i64> = client
        .payments(PaymentFilter::new().page_size(PageSize::new(2).unwrap()))
        .map(|p| p.unwrap().amount.unwrap())
        .collect()
        .await;
    assert_eq!(amounts, vec![1, 2, 3, 4, 5]);
    for page in pages {
        assert_eq!(page.calls_async().await, 1, "each page fetched once");
    }
}

#[tokio::test]
async fn a_failing_page_ends_the_stream_with_its_error() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/payments")
            .query_param("pageNumber", "1");
        then.status(200)
            .json_body(json!({"nextPageNumber": 2, "payments": [{"amount": 1}]}));
    });
    server.mock(|when, then| {
        when.method(GET)
            .path("/v1/payments")
            .query_param("pageNumber", "2");
        then.status(401)
            .json_body(json!({"code": "unauthorized_access", "message": "no"}));
    });
    let client = builder(&server.base_url()).build().unwrap();
    let items: Vec<_> = client.payments(PaymentFilter::new()).collect().await;
    assert_eq!(items.len(), 2);
    assert!(items[0].is_ok());
    assert_eq!(
        items[1].as_ref().unwrap_err().code(),
        Some(&ErrorCode::UnauthorizedAccess)
    );
}

#[tokio::test]
async fn every_409_code_is_typed_with_its_correlation_id() {
    let codes = [
        ("processing_error", ErrorCode::ProcessingError),
        ("amount_too_large", ErrorCode::AmountTooLarge),
        (
            "partial_capture_disallowed",
            ErrorCode::PartialCaptureDisallowed,
        ),
        ("payment_not_found", ErrorCode::PaymentNotFound),
        ("invalid_payment_state", ErrorCode::InvalidPaymentState),
        ("invalid_payment_point", ErrorCode::InvalidPaymentPoint),
        ("payment_point_not_found", ErrorCode::PaymentPointNotFound),
        ("idempotency_key_reused", ErrorCode::IdempotencyKeyReused),
        ("unauthorized_access", ErrorCode::UnauthorizedAccess),
        (
            "payment_captured_with_different_amount",
            ErrorCode::PaymentCapturedWithDifferentAmount,
        ),
        (
            "amount_exceeds_available_funds",
            ErrorCode::AmountExceedsAvailableFunds,
        ),
        (
            "availability_duration_expired",
            ErrorCode::AvailabilityDurationExpired,
        ),
        (
            "brand_new_code",
            ErrorCode::Unknown("brand_new_code".into()),
        ),
    ];
    for (wire, expected) in codes {
        let server = MockServer::start_async().await;
        server.mock(|when, then| {
            when.method(POST)
                .path("/v1/payments/00000000-0000-4000-8000-00000000000a/cancel");
            then.status(409)
                .json_body(json!({"code": wire, "message": format!("m {wire}"),
                "correlationId": "91f2b05f-2171-4cea-9d5a-1cdbed6ae2cd", "origin": "MPY"}));
        });
        let client = builder(&server.base_url()).build().unwrap();
        let error = client
            .cancel_payment("00000000-0000-4000-8000-00000000000a")
            .await
            .unwrap_err();
        assert_eq!(error.code(), Some(&expected), "{wire}");
        assert_eq!(error.status().unwrap().as_u16(), 409);
        assert_eq!(
            error.correlation_id(),
            Some("91f2b05f-2171-4cea-9d5a-1cdbed6ae2cd")
        );
        assert!(error.to_string().contains(wire));
    }
}

#[tokio::test]
async fn a_400_keeps_its_free_text_whole_json_or_plain() {
    let text = "The field RedirectUri must be a string with a maximum length of 2000. (and more, verbatim)";
    for reply in [
        Reply::json(400, json!({"message": text, "correlationId": "x"})),
        Reply {
            status: 400,
            headers: vec![("content-type".into(), "text/plain".into())],
            body: text.to_string(),
        },
    ] {
        let server = Scripted::start(vec![], vec![reply]).await;
        let client = builder(&server.url("http")).build().unwrap();
        let error = client
            .initiate_payment(NewPayment::new(1, POINT, "myapp://x", "r").unwrap())
            .await
            .unwrap_err();
        assert_eq!(error.status().unwrap().as_u16(), 400);
        assert_eq!(error.message(), Some(text));
        assert_eq!(error.code(), Some(&ErrorCode::Missing));
        assert_eq!(server.seen().len(), 1, "a 400 is not retried");
    }
}

#[tokio::test]
async fn every_error_carries_the_correlation_id_that_was_sent() {
    // A transport error: nobody listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = builder(&format!("http://127.0.0.1:{port}"))
        .build()
        .unwrap();
    let error = client.get_payment(PAYMENT).await.unwrap_err();
    assert!(matches!(error.kind(), ErrorKind::Transport(_)));
    assert!(is_uuid(error.correlation_id().unwrap()));

    // A provider error without a correlationId in the body: the one sent is reported.
    let server = Scripted::start(
        vec![],
        vec![Reply::json(404, json!({"code": "payment_not_found"}))],
    )
    .await;
    let client = builder(&server.url("http")).build().unwrap();
    let error = client.get_payment(PAYMENT).await.unwrap_err();
    let sent = server.seen()[0]
        .header("correlationid")
        .unwrap()
        .to_string();
    assert_eq!(error.correlation_id(), Some(sent.as_str()));
    assert!(error.to_string().contains(&sent));

    // A request rejected before sending has one too.
    let error = client.get_payment("not-a-uuid").await.unwrap_err();
    assert!(is_uuid(error.correlation_id().unwrap()));
}
