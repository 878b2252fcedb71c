//! GoPay's recurrences and payment links (published API 4.0, revision of 2026): the body
//! on the wire, then their lives in the sandbox.

use std::time::Duration;

use httpmock::prelude::*;
use payspec_gopay::open_enums::{
    Currency, PaymentLinkStopReason, RecurrencePeriod, RecurrenceState, RecurrenceType,
};
use payspec_gopay::{CallFailure, CardData, Instrument, NewPayment, types};
use payspec_gopay_sandbox::{Clock, Config, Sandbox};
use serde_json::json;

fn monthly() -> types::RecurrenceSchedule {
    types::RecurrenceSchedule::builder()
        .period(RecurrencePeriod::Month)
        .cycle(std::num::NonZeroU32::new(1).unwrap())
        .try_into()
        .unwrap()
}

#[tokio::test]
async fn a_recurrence_is_created_as_published() {
    let server = MockServer::start_async().await;
    server.mock(|when, then| {
        when.method(POST).path("/oauth2/token");
        then.status(200)
            .json_body(json!({"access_token": "t", "token_type": "bearer", "expires_in": 1800}));
    });
    let create = server.mock(|when, then| {
        when.method(POST)
            .path("/eshops/8123456789/recurrences")
            .json_body(
                json!({"type": "AUTO", "schedule": {"period": "MONTH", "cycle": 1},
                "payment": {"amount": 29900, "currency": "CZK", "order_number": "sub-1"}}),
            );
        then.status(201)
            .json_body(json!({"id": "3000000042", "type": "AUTO", "state": "NEW",
            "schedule": {"period": "MONTH", "cycle": 1},
            "payment": {"id": "0", "amount": 29900, "currency": "CZK", "state": "CREATED"}}));
    });
    let client = payspec_gopay::Client::builder()
        .base_url(server.base_url())
        .client_id("id")
        .client_secret("secret")
        .goid("8123456789")
        .build()
        .unwrap();
    let recurrence = client
        .create_recurrence(
            RecurrenceType::Auto,
            Some(monthly()),
            NewPayment::new(29900, Currency::Czk, "sub-1").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(recurrence.state, Some(RecurrenceState::New));
    assert_eq!(create.calls_async().await, 1);
}

#[tokio::test]
async fn an_on_demand_recurrence_starts_with_the_payer_then_charges_without() {
    let sandbox = Sandbox::start(Config::default().seed(21)).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let template = || NewPayment::new(9900, Currency::Czk, "sub-od").unwrap();
    let recurrence = client
        .create_recurrence(RecurrenceType::OnDemand, None, template())
        .await
        .unwrap();
    let id = recurrence.id.clone().unwrap();
    assert_eq!(recurrence.state, Some(RecurrenceState::New));
    // Not started: no next payment.
    let error = client
        .next_recurrence_payment(&id, types::PaymentOverride::default())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(409));

    let first = client
        .start_recurrence(&id, types::PaymentOverride::default())
        .await
        .unwrap();
    assert_eq!(
        client.get_recurrence(&id).await.unwrap().state,
        Some(RecurrenceState::Requested)
    );
    let card = CardData::new("4444 4444 4444 4448", "01", "27", "258").unwrap();
    let token = client.tokenize_card(&card, true).await.unwrap();
    client
        .create_charge(&first.id, Instrument::card(token.token.unwrap()), None)
        .await
        .unwrap();
    assert_eq!(
        client.get_recurrence(&id).await.unwrap().state,
        Some(RecurrenceState::Started)
    );
    let override_amount = types::PaymentOverride::builder()
        .amount(Some(types::Amount::from(
            std::num::NonZeroU64::new(4900).unwrap(),
        )))
        .try_into()
        .unwrap();
    let next = client
        .next_recurrence_payment(&id, override_amount)
        .await
        .unwrap();
    assert_eq!(next.amount, Some(4900));
    assert_eq!(next.state, payspec_gopay::PaymentState::Paid);

    client.stop_recurrence(&id).await.unwrap();
    let stopped = client.get_recurrence(&id).await.unwrap();
    assert_eq!(stopped.state, Some(RecurrenceState::Stopped));
    assert!(
        client
            .next_recurrence_payment(&id, types::PaymentOverride::default())
            .await
            .is_err()
    );

    // An AUTO recurrence needs a schedule, and is not charged on demand.
    let error = client
        .create_recurrence(RecurrenceType::Auto, None, template())
        .await
        .unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    sandbox.shutdown().await;
}

#[tokio::test]
async fn payment_links_are_paid_renewed_disabled_and_expire() {
    let clock = Clock::manual(std::time::SystemTime::now());
    let sandbox = Sandbox::start(Config::default().seed(22).clock(clock.clone()))
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let card = CardData::new("4444 4444 4444 4448", "01", "27", "258").unwrap();
    let token = client
        .tokenize_card(&card, true)
        .await
        .unwrap()
        .token
        .unwrap();
    let pay = |url: String| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let payment = url.rsplit('/').next().unwrap().to_string();
            client
                .create_charge(&payment, Instrument::card(token), None)
                .await
                .unwrap();
        }
    };
    let link = |order: &str| NewPayment::new(15000, Currency::Czk, order).unwrap();

    // Single use: paid once, then stopped.
    let once = client
        .create_payment_link(link("l-1"), None, false)
        .await
        .unwrap();
    assert_eq!(once.active, Some(true));
    assert!(once.url.as_deref().unwrap().contains("/payer/gopay/gw/"));
    pay(once.url.clone().unwrap()).await;
    let after = client
        .get_payment_link(once.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(after.active, Some(false));
    assert_eq!(after.stop_reason, Some(PaymentLinkStopReason::AlreadyPaid));

    // Reusable: paid, then a fresh payment for the next payer.
    let many = client
        .create_payment_link(link("l-2"), None, true)
        .await
        .unwrap();
    pay(many.url.clone().unwrap()).await;
    let again = client
        .get_payment_link(many.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(again.active, Some(true));
    assert_ne!(again.url, many.url);
    client
        .disable_payment_link(many.id.as_deref().unwrap())
        .await
        .unwrap();
    let disabled = client
        .get_payment_link(many.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(disabled.stop_reason, Some(PaymentLinkStopReason::FromApi));

    // Expiry, on the sandbox's clock.
    let expires = chrono::Utc::now() + chrono::Duration::hours(1);
    let timed = client
        .create_payment_link(link("l-3"), Some(expires), true)
        .await
        .unwrap();
    assert_eq!(timed.active, Some(true));
    clock.advance(Duration::from_secs(7200));
    let expired = client
        .get_payment_link(timed.id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(expired.stop_reason, Some(PaymentLinkStopReason::Expired));
    sandbox.shutdown().await;
}
