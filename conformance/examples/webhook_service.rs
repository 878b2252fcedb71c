//! A merchant's web service in axum that receives payment notifications from every
//! payspec sandbox that sends them, as a real service receives them from the providers:
//!
//! - Nopan, MobilePay and VaiiPay sign their notifications: each route takes the
//!   provider's `VerifiedNotification` extractor (feature `axum`), which reads the body up
//!   to a limit, checks the signature (a tampered or unsigned request is answered 401
//!   and never reaches the handler) and tells a new delivery from a repeat (providers
//!   retry for hours; a repeat is answered 200 and not acted on twice);
//! - GoPay sends `GET ?id=<payment id>` and nothing to verify: the route fetches the
//!   payment from GoPay (`Client::handle_notification`), the only thing to trust.
//!
//! Then it drives one payment through each sandbox, waits for the notification on a
//! channel (no sleeping), and replays each delivery untouched (a duplicate) and tampered
//! (refused). Run it with
//! `cargo run -p payspec-conformance --example webhook_service`;
//! `tests/webhook_service.rs` runs the same code and checks what it reports.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRef, RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use payspec_core::dedup::{DeliveryLog, InMemoryDeliveryLog};
use payspec_core::notify::Delivery;
use payspec_core::{CallFailure, Phase};
use tokio::sync::mpsc;

/// What the service did with one notification it acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// The provider that sent it.
    pub provider: &'static str,
    /// The payment it is about.
    pub payment: String,
    /// What happened, in the provider's words.
    pub what: String,
}

/// What the example observed for one provider.
#[derive(Debug)]
pub struct Observed {
    /// The provider.
    pub provider: &'static str,
    /// The event the service acted on.
    pub event: Event,
    /// The status the service answered to the delivery sent again, untouched.
    pub repeat_status: u16,
    /// The status it answered to the delivery with its body changed (signed providers).
    pub tampered_status: Option<u16>,
    /// Events the service acted on after the repeat and the tampered copy (none expected).
    pub acted_on_again: usize,
}

type Error = Box<dyn std::error::Error + Send + Sync>;

/// The service's state: one verifier and delivery log per signing provider, the GoPay
/// client, and where acted-on events go.
#[derive(Clone)]
struct App {
    nopan: payspec_nopan::webhook::WebhookState<payspec_nopan::webhook::WebhookVerifier>,
    mobilepay:
        payspec_mobilepay::webhook::WebhookState<payspec_mobilepay::webhook::WebhookVerifier>,
    vaiipay: payspec_vaiipay::webhook::WebhookState<payspec_vaiipay::webhook::WebhookVerifier>,
    gopay: payspec_gopay::Client,
    /// GoPay's notifications carry no id: a repeat is the same payment in the same state.
    gopay_seen: Arc<InMemoryDeliveryLog>,
    events: mpsc::UnboundedSender<Event>,
}

// The extractors find their verifier and log in the state through `FromRef`.
impl FromRef<App>
    for payspec_nopan::webhook::WebhookState<payspec_nopan::webhook::WebhookVerifier>
{
    fn from_ref(app: &App) -> Self {
        app.nopan.clone()
    }
}

impl FromRef<App>
    for payspec_mobilepay::webhook::WebhookState<payspec_mobilepay::webhook::WebhookVerifier>
{
    fn from_ref(app: &App) -> Self {
        app.mobilepay.clone()
    }
}

impl FromRef<App>
    for payspec_vaiipay::webhook::WebhookState<payspec_vaiipay::webhook::WebhookVerifier>
{
    fn from_ref(app: &App) -> Self {
        app.vaiipay.clone()
    }
}

impl App {
    /// Acts on a new delivery (here: reports it); a repeat is acknowledged and dropped.
    fn act<N>(&self, delivery: Delivery<N>, event: impl FnOnce(N) -> Event) -> StatusCode {
        match delivery {
            Delivery::New(notification) => {
                // A real service would update its order here, in one transaction with
                // recording the delivery id.
                let _ = self.events.send(event(notification));
                StatusCode::OK
            }
            Delivery::Duplicate(_) => StatusCode::OK,
        }
    }
}

async fn nopan(
    State(app): State<App>,
    payspec_nopan::webhook::VerifiedNotification(delivery): payspec_nopan::webhook::VerifiedNotification<
        payspec_nopan::webhook::WebhookVerifier,
    >,
) -> StatusCode {
    app.act(delivery, |n| Event {
        provider: "nopan",
        payment: n.transaction_id.unwrap_or_default(),
        what: n
            .notification_type
            .map(|t| t.to_string())
            .unwrap_or_default(),
    })
}

async fn mobilepay(
    State(app): State<App>,
    payspec_mobilepay::webhook::VerifiedNotification(delivery): payspec_mobilepay::webhook::VerifiedNotification<
        payspec_mobilepay::webhook::WebhookVerifier,
    >,
) -> StatusCode {
    app.act(delivery, |n| Event {
        provider: "mobilepay",
        payment: n.data.and_then(|d| d.id).unwrap_or_default(),
        what: n.event_type.map(|t| t.to_string()).unwrap_or_default(),
    })
}

async fn vaiipay(
    State(app): State<App>,
    payspec_vaiipay::webhook::VerifiedNotification(delivery): payspec_vaiipay::webhook::VerifiedNotification<
        payspec_vaiipay::webhook::WebhookVerifier,
    >,
) -> StatusCode {
    app.act(delivery, |n| Event {
        provider: "vaiipay",
        payment: n["data"]["id"].as_str().unwrap_or_default().to_string(),
        what: n["event"].as_str().unwrap_or_default().to_string(),
    })
}

async fn gopay(State(app): State<App>, RawQuery(query): RawQuery) -> StatusCode {
    // Nothing in the request is trusted: the payment is fetched from GoPay.
    let payment = match app
        .gopay
        .handle_notification(query.as_deref().unwrap_or_default())
        .await
    {
        Ok(payment) => payment,
        // A query without a valid id never reached GoPay: the caller's fault. Anything
        // else is ours or GoPay's: answer 503 so GoPay tries again later.
        Err(e) if e.phase() == Phase::Validation => return StatusCode::BAD_REQUEST,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    };
    let id = payment.id;
    let state = payment.state.to_string();
    let delivery = match app.gopay_seen.first_delivery(&format!("{id}:{state}")) {
        true => Delivery::New(()),
        false => Delivery::Duplicate(()),
    };
    app.act(delivery, |()| Event {
        provider: "gopay",
        payment: id,
        what: state,
    })
}

/// The service's routes.
fn router(app: App) -> Router {
    Router::new()
        .route("/webhooks/nopan", post(nopan))
        .route("/webhooks/mobilepay", post(mobilepay))
        .route("/webhooks/vaiipay", post(vaiipay))
        .route("/webhooks/gopay", get(gopay))
        .with_state(app)
}

/// A log that remembers deliveries for a day.
fn log() -> Arc<InMemoryDeliveryLog> {
    Arc::new(InMemoryDeliveryLog::new(
        Duration::from_secs(24 * 60 * 60),
        100_000,
    ))
}

/// Waits for the service to act on a notification (up to ten seconds).
async fn next(events: &mut mpsc::UnboundedReceiver<Event>) -> Result<Event, Error> {
    tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .map_err(|_| "no notification within 10 s")?
        .ok_or_else(|| "the service stopped".into())
}

/// Sends a recorded delivery again to `url`, with `body` instead of the original one.
async fn replay(
    http: &reqwest::Client,
    url: &str,
    delivery: &payspec_sandbox::Delivery,
    body: Vec<u8>,
) -> Result<u16, Error> {
    let mut request = http.post(url).body(body);
    for (name, value) in &delivery.headers {
        if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host") {
            request = request.header(name.as_str(), value.as_str());
        }
    }
    Ok(request.send().await?.status().as_u16())
}

/// The body with one character of its content changed.
fn tampered(body: &[u8]) -> Vec<u8> {
    let mut changed = body.to_vec();
    if let Some(at) = changed.iter().position(u8::is_ascii_alphanumeric) {
        changed[at] = if changed[at] == b'0' { b'1' } else { b'0' };
    }
    changed
}

/// Replays the first delivery a signing sandbox made, untouched and tampered, and counts
/// what the service acted on afterwards.
async fn repeat_and_tamper(
    provider: &'static str,
    event: Event,
    delivery: &payspec_sandbox::Delivery,
    url: &str,
    events: &mut mpsc::UnboundedReceiver<Event>,
) -> Result<Observed, Error> {
    let http = payspec_core::HttpConfig::default().build()?;
    let repeat_status = replay(&http, url, delivery, delivery.body.clone()).await?;
    let tampered_status = replay(&http, url, delivery, tampered(&delivery.body)).await?;
    Ok(Observed {
        provider,
        event,
        repeat_status,
        tampered_status: Some(tampered_status),
        // The replays were answered before `replay` returned: anything acted on is queued.
        acted_on_again: std::iter::from_fn(|| events.try_recv().ok()).count(),
    })
}

/// Starts the sandboxes and the service, drives one payment through each provider and
/// reports what the service saw.
pub async fn run() -> Result<Vec<Observed>, Error> {
    let nopan =
        payspec_nopan_sandbox::Sandbox::start(payspec_nopan_sandbox::Config::default()).await?;
    let mobilepay =
        payspec_mobilepay_sandbox::Sandbox::start(payspec_mobilepay_sandbox::Config::default())
            .await?;
    let vaiipay =
        payspec_vaiipay_sandbox::Sandbox::start(payspec_vaiipay_sandbox::Config::default()).await?;
    let gopay =
        payspec_gopay_sandbox::Sandbox::start(payspec_gopay_sandbox::Config::default()).await?;
    let nopan_client = nopan.client_builder().build()?;
    let mobilepay_client = mobilepay.client_builder().build()?;
    let vaiipay_client = vaiipay.client_builder().build()?;
    let gopay_client = gopay.client_builder().build()?;

    // The service's address first: MobilePay's subscription needs it, and its signing
    // key is known only once subscribed.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let url = |provider: &str| format!("{base}/webhooks/{provider}");
    let subscription = mobilepay_client
        .create_webhook(payspec_mobilepay::WebhookSubscription::new(
            url("mobilepay"),
            [payspec_mobilepay::open_enums::WebhookEventType::PaymentReserved],
        ))
        .await?;
    let mobilepay_key = subscription
        .signature_key
        .ok_or("the subscription has no signature key")?;
    nopan.webhooks().set_url(Some(url("nopan")));
    vaiipay.webhooks().set_url(Some(url("vaiipay")));

    let (sender, mut events) = mpsc::unbounded_channel();
    let app = App {
        nopan: payspec_nopan::webhook::WebhookState::new(
            payspec_nopan::webhook::WebhookVerifier::new(
                payspec_nopan::webhook::SIGNATURE_HEADER,
                nopan.webhook_secret().to_string(),
            )?,
            log(),
        ),
        mobilepay: payspec_mobilepay::webhook::WebhookState::new(
            payspec_mobilepay::webhook::WebhookVerifier::new(url("mobilepay"), mobilepay_key)?,
            log(),
        ),
        vaiipay: payspec_vaiipay::webhook::WebhookState::new(
            vaiipay_client
                .webhook_verifier()
                .ok_or("the VaiiPay client has no application secret")?,
            log(),
        ),
        gopay: gopay_client.clone(),
        gopay_seen: log(),
        events: sender,
    };
    let server = tokio::spawn(axum::serve(listener, router(app)).into_future());
    let mut observed = Vec::new();

    // Nopan: a BLIK payment; its "initiated" notification.
    let payment = nopan_client
        .initiate(payspec_nopan::NewPayment::blik(
            "order-1",
            payspec_nopan::Amount::new(100)?,
            "123456",
        )?)
        .await?;
    let event = next(&mut events).await?;
    assert_payment(&event, Some(&payment.transaction_id))?;
    let delivery = first_delivery(nopan.webhooks()).await?;
    observed.push(repeat_and_tamper("nopan", event, &delivery, &url("nopan"), &mut events).await?);

    // MobilePay: a payment the payer approves in the app (simulated): "reserved".
    let initiated = mobilepay_client
        .initiate_payment(payspec_mobilepay::NewPayment::new(
            1250,
            mobilepay.payment_point_id(),
            "myapp://done",
            "order-1",
        )?)
        .await?;
    let id = initiated.payment_id.to_string();
    mobilepay_client
        .simulate_reservation(
            &id,
            payspec_mobilepay_sandbox::Sandbox::PAYMENT_SOURCE,
            payspec_mobilepay_sandbox::Sandbox::USER,
        )
        .await?;
    let event = next(&mut events).await?;
    assert_payment(&event, Some(&id))?;
    let delivery = first_delivery(mobilepay.webhooks()).await?;
    observed.push(
        repeat_and_tamper(
            "mobilepay",
            event,
            &delivery,
            &url("mobilepay"),
            &mut events,
        )
        .await?,
    );

    // VaiiPay: a checkout the payer pays (simulated by the sandbox).
    let checkout = vaiipay_client
        .create_checkout(payspec_vaiipay::NewCheckout::new(10000, "USD", "order-1")?)
        .await?;
    let checkout_url = checkout.checkout_url;
    let id = vaiipay_client
        .checkout_url_verifier()
        .ok_or("no checkout URL verifier")?
        .verify(&checkout_url, std::time::SystemTime::now())?
        .payment_id;
    if !vaiipay.complete_payment(&id) {
        return Err(format!("the VaiiPay sandbox has no payment {id}").into());
    }
    let event = next(&mut events).await?;
    assert_payment(&event, Some(&id))?;
    let delivery = first_delivery(vaiipay.webhooks()).await?;
    observed
        .push(repeat_and_tamper("vaiipay", event, &delivery, &url("vaiipay"), &mut events).await?);

    // GoPay: a card payment; GoPay calls the notification URL with the payment's id.
    let card = payspec_gopay::CardData::new("4444 4444 4444 4448", "01", "27", "258")?;
    let token = gopay_client
        .tokenize_card(&card, false)
        .await?
        .token
        .ok_or("no card token")?;
    let payment = gopay_client
        .create_payment(
            payspec_gopay::NewPayment::new(10000, payspec_gopay::Currency::Czk, "order-1")?
                .notification_url(url("gopay")),
        )
        .await?;
    let id = payment.id;
    gopay_client
        .create_charge(&id, payspec_gopay::Instrument::card(token), None)
        .await?;
    let event = next(&mut events).await?;
    assert_payment(&event, Some(&id))?;
    let notified = first_delivery(gopay.webhooks()).await?;
    let http = payspec_core::HttpConfig::default().build()?;
    let repeat_status = http
        .get(format!("{}?id={id}", url("gopay")))
        .send()
        .await?
        .status()
        .as_u16();
    observed.push(Observed {
        provider: "gopay",
        event,
        repeat_status,
        tampered_status: None,
        acted_on_again: std::iter::from_fn(|| events.try_recv().ok()).count(),
    });
    if !notified.url.contains(&id) {
        return Err(format!("GoPay notified {} for payment {id}", notified.url).into());
    }

    server.abort();
    Ok(observed)
}

/// The first delivery a sandbox made (recorded once the service answered it).
async fn first_delivery(
    sent: &payspec_sandbox::WebhookSender,
) -> Result<payspec_sandbox::Delivery, Error> {
    sent.wait_for(1, Duration::from_secs(10))
        .await
        .into_iter()
        .next()
        .ok_or_else(|| "the sandbox recorded no delivery".into())
}

/// Fails unless `event` is about `payment`.
fn assert_payment(event: &Event, payment: Option<&str>) -> Result<(), Error> {
    match payment {
        Some(id) if id == event.payment => Ok(()),
        _ => Err(format!("{event:?} is not about payment {payment:?}").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    for seen in run().await? {
        println!(
            "{:<9} acted on {} of {} once; repeat answered {}, tampered copy {}",
            seen.provider,
            seen.event.what,
            seen.event.payment,
            seen.repeat_status,
            seen.tampered_status.map_or(
                "(nothing to tamper: GoPay's notification is a bare id)".into(),
                |s| { format!("refused with {s}") }
            ),
        );
    }
    Ok(())
}
