//! The payer's side of every provider's redirect flow, in a real browser: headless
//! Chromium (driven over the DevTools protocol by `conformance/browser/drive.py`) opens
//! the page the provider's answer links to, presses the payer's button, and follows the
//! redirects to a merchant's return URL served here. Each test then checks the three
//! things a web shop relies on: the payment's state, the webhook the provider sends, and
//! the return to the shop with the parameters the provider documents.
//!
//! They need Chromium, so a plain `cargo test` leaves them out; `cargo xtask test` runs
//! them (step `browser`), and `.ci/run` installs Chromium.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::Uri;
use axum::routing::{get, post};

const WAIT: Duration = Duration::from_secs(20);

/// A merchant's site: its return page records every visit (path and query), its webhook
/// endpoint records every notification.
#[derive(Clone, Default)]
struct Shop {
    returns: Arc<Mutex<Vec<String>>>,
    hooks: Arc<Mutex<Vec<(String, String)>>>,
    signatures: Arc<Mutex<Vec<Option<String>>>>,
    /// Pages the shop serves at `/pay/{n}` (e.g. OPP's redirect form).
    pages: Arc<Mutex<Vec<String>>>,
}

impl Shop {
    async fn start() -> (Self, String) {
        let shop = Shop::default();
        let app = axum::Router::new()
            .route("/return", get(returned))
            .route("/hooks", post(hooked).get(hooked))
            .route("/pay/{n}", get(shop_page))
            .with_state(shop.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (shop, base)
    }

    fn returns(&self) -> Vec<String> {
        self.returns.lock().unwrap().clone()
    }

    fn hooks(&self) -> Vec<(String, String)> {
        self.hooks.lock().unwrap().clone()
    }

    fn signatures(&self) -> Vec<Option<String>> {
        self.signatures.lock().unwrap().clone()
    }
}

async fn returned(State(shop): State<Shop>, uri: Uri) -> axum::response::Html<&'static str> {
    shop.returns.lock().unwrap().push(uri.to_string());
    axum::response::Html(
        "<!doctype html><html><body><h1>Thank you for your order</h1></body></html>",
    )
}

/// Records a notification and its signature header, whichever provider's it is.
async fn hooked(
    State(shop): State<Shop>,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: String,
) -> &'static str {
    let signature = ["x-mobilepay-signature", "x-nopan-signature", "x-signature"]
        .iter()
        .find_map(|name| headers.get(*name))
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    shop.signatures.lock().unwrap().push(signature);
    shop.hooks.lock().unwrap().push((uri.to_string(), body));
    "ok"
}

async fn shop_page(
    State(shop): State<Shop>,
    axum::extract::Path(n): axum::extract::Path<usize>,
) -> axum::response::Html<String> {
    axum::response::Html(
        shop.pages
            .lock()
            .unwrap()
            .get(n)
            .cloned()
            .unwrap_or_default(),
    )
}

impl Shop {
    /// Serves `html` and answers its URL.
    fn serve_page(&self, base: &str, html: String) -> String {
        let mut pages = self.pages.lock().unwrap();
        pages.push(html);
        format!("{base}/pay/{}", pages.len() - 1)
    }
}

fn chromium() -> String {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return path;
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return name.into();
        }
    }
    panic!("these tests need Chromium: `apt-get install chromium` (.ci/run installs it)");
}

/// What the browser saw: the payer's page, where it ended and that page's text.
#[derive(Debug, serde::Deserialize)]
struct Visit {
    page: String,
    final_url: String,
    final_text: String,
}

/// Runs `conformance/browser/drive.py` with Chromium and `args`; answers the JSON it
/// printed, failing with `what` and its output when it did not succeed.
async fn drive<T: serde::de::DeserializeOwned>(args: Vec<String>, what: &str) -> T {
    let script = format!("{}/browser/drive.py", env!("CARGO_MANIFEST_DIR"));
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let args: Vec<String> = [script, chromium()].into_iter().chain(args).collect();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new(python).args(&args).output()
    })
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{what}: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The payer opens `page`, presses the button `choice`, and the browser must end at a
/// URL starting with `back`.
async fn pay_in_browser(page: &str, choice: &str, back: &str) -> Visit {
    let args = vec![page.to_string(), choice.to_string(), back.to_string()];
    drive(args, &format!("the browser did not reach {back}")).await
}

fn query(url: &str) -> Vec<(String, String)> {
    url::Url::parse(&format!("http://shop{url}"))
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

async fn until<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        if let Some(found) = probe() {
            return found;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn nopan_payer_approves_on_the_redirect_page() {
    use payspec_nopan::{Amount, NewPayment, ProviderId};
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_nopan_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    sandbox
        .webhooks()
        .set_url(Some(format!("{shop_url}/hooks")));
    let client = sandbox.client_builder().build().unwrap();
    let order = NewPayment::new(
        "order-wero-1",
        Amount::new(2500).unwrap(),
        "EUR",
        ProviderId::Wero,
    )
    .unwrap()
    .return_url(&format!("{shop_url}/return"))
    .unwrap();
    let payment = client.initiate(order).await.unwrap();
    let page = payment
        .provider_details
        .as_ref()
        .and_then(|d| d.redirect_url.clone())
        .expect("a redirect URL for the payer");
    assert!(page.starts_with("http://"), "a browser opens it: {page}");
    let visit = pay_in_browser(&page, "approve", &format!("{shop_url}/return")).await;
    assert!(visit.page.contains("order-wero-1"), "{visit:?}");
    assert!(visit.final_url.starts_with(&shop_url), "{visit:?}");
    assert!(visit.final_text.contains("Thank you"), "{visit:?}");
    // The return carries the transaction and its status.
    let back = shop.returns();
    assert_eq!(back.len(), 1, "{back:?}");
    let params = query(&back[0]);
    assert!(params.contains(&("transactionId".into(), payment.transaction_id.to_string())));
    assert!(
        params.contains(&("status".into(), "APPROVED".into())),
        "{params:?}"
    );
    // The state moved, and the merchant got the signed notification.
    let state = sandbox.state();
    assert_eq!(
        state.payment("order-wero-1").map(|p| p.state.as_str()),
        Some("APPROVED")
    );
    let hooks = until("Nopan's notification", || {
        let hooks = shop.hooks();
        hooks
            .iter()
            .any(|(_, body)| body.contains("\"status\":\"APPROVED\""))
            .then_some(hooks)
    })
    .await;
    let finalized = hooks
        .iter()
        .find(|(_, body)| body.contains("PAYMENT_FINALIZED"))
        .expect("PAYMENT_FINALIZED");
    let body: serde_json::Value = serde_json::from_str(&finalized.1).unwrap();
    assert_eq!(body["transactionId"], payment.transaction_id.to_string());
    // The page is single-use: the payment no longer waits for the payer.
    let again = payspec_core::HttpConfig::default()
        .build()
        .unwrap()
        .get(&page)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn gopay_payer_passes_3_d_secure_and_fails_it() {
    use payspec_gopay::open_enums::Currency;
    use payspec_gopay::{Amount, CardData, ChargeExt, Instrument, NewPayment, NextStep};
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_gopay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    // Cards starting 4000 need 3-D Secure in the sandbox.
    let card = CardData::new("4000000000000002", "12", "30", "123").unwrap();
    for (order, choice, charge_state, payment_state) in [
        ("order-3ds-pass", "pass", "SUCCEEDED", "PAID"),
        ("order-3ds-fail", "fail", "FAILED", "CREATED"),
    ] {
        let token = client.tokenize_card(&card, false).await.unwrap();
        let order = NewPayment::new(Amount::new(4200).unwrap(), Currency::Czk, order)
            .unwrap()
            .return_url(format!("{shop_url}/return"))
            .notification_url(format!("{shop_url}/hooks"));
        let payment = client.create_payment(order).await.unwrap();
        let charge = client
            .create_charge(&payment.id, Instrument::card(token.token.unwrap()), None)
            .await
            .unwrap();
        let NextStep::RedirectPayer { action_url, .. } = charge.next_step() else {
            panic!("a 3-D Secure challenge: {charge:?}");
        };
        let visit = pay_in_browser(&action_url, choice, &format!("{shop_url}/return")).await;
        assert!(visit.page.contains("3-D Secure"), "{visit:?}");
        // GoPay returns the payer with the payment's id; the shop then asks for its state.
        let back = shop.returns();
        let last = back.last().expect("a return");
        assert_eq!(query(last), [("id".to_string(), payment.id.to_string())]);
        // As a shop does on the return (and on the notification): `?id=` -> the payment.
        let fetched = client.handle_notification(last).await.unwrap();
        assert_eq!(fetched.id, payment.id);
        assert_eq!(fetched.state.as_str(), payment_state, "{choice}");
        let fetched_charge = fetched.charge.expect("the charge");
        assert_eq!(
            serde_json::to_value(&fetched_charge.state).unwrap(),
            charge_state
        );
        assert_eq!(
            sandbox
                .state()
                .payment(&fetched.order_number.clone().unwrap_or_default())
                .map(|p| p.state.clone()),
            Some(payment_state.to_string())
        );
        // The notification: a GET on notification_url with ?id=.
        until("GoPay's notification", || {
            shop.hooks()
                .iter()
                .any(|(uri, _)| uri.ends_with(&format!("?id={}", payment.id)))
                .then_some(())
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn gopay_payer_pays_on_the_gateway_page() {
    use payspec_gopay::open_enums::Currency;
    use payspec_gopay::{Amount, NewPayment};
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_gopay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let order = NewPayment::new(Amount::new(990).unwrap(), Currency::Eur, "order-gw")
        .unwrap()
        .return_url(format!("{shop_url}/return"))
        .notification_url(format!("{shop_url}/hooks"));
    let payment = client.create_payment(order).await.unwrap();
    let gateway = payment.gw_url.clone().expect("gw_url");
    pay_in_browser(&gateway, "expire", &format!("{shop_url}/return")).await;
    let fetched = client.get_payment(&payment.id).await.unwrap();
    assert_eq!(fetched.state.as_str(), "TIMEOUTED");
    assert_eq!(
        query(&shop.returns()[0]),
        [("id".to_string(), payment.id.to_string())]
    );
}

/// A shop's checkout page framing GoPay's card form as GoPay's browser SDK does
/// (`cards.module.ts`): the iframe's `sandbox` attribute, `?origin=`, `GOPAY_CARD_FORM_INIT`
/// with `submit_mode` to the form's origin on every load, messages read from the form's
/// window and origin only, and a `#pay` button of the shop's own that sends
/// `GOPAY_CARD_REQUEST_SUBMIT`. Each message is shown as an element whose class is its
/// type and whose text is its `card_token`, or else the whole message.
fn card_form_checkout(shop: &Shop, shop_url: &str, form: &str, submit_mode: &str) -> String {
    let form_origin = url::Url::parse(form)
        .unwrap()
        .origin()
        .ascii_serialization();
    assert_ne!(form_origin, shop_url, "the form must be another origin");
    shop.serve_page(
        shop_url,
        format!(
            r#"<!doctype html><html><body><h1>Checkout</h1>
<iframe id="card" src="{form}?origin={shop_url}" sandbox="allow-scripts allow-forms allow-same-origin" width="420" height="420"></iframe>
<button id="pay" type="button">Pay</button>
<div id="messages"></div>
<script>
const frame = document.getElementById('card');
frame.addEventListener('load', () => {{
  frame.contentWindow.postMessage({{type: 'GOPAY_CARD_FORM_INIT', environment: 'sandbox',
    shareable_key: '', client_id: '', locale: 'en', submitMode: {mode}}}, {origin});
}});
document.getElementById('pay').addEventListener('click', () => {{
  frame.contentWindow.postMessage({{type: 'GOPAY_CARD_REQUEST_SUBMIT'}}, {origin});
}});
window.addEventListener('message', (event) => {{
  if (event.source !== frame.contentWindow || event.origin !== {origin}) return;
  const line = document.createElement('p');
  line.className = event.data.type;
  line.textContent = event.data.card_token || JSON.stringify(event.data);
  document.getElementById('messages').appendChild(line);
}});
</script></body></html>"#,
            origin = serde_json::to_string(&form_origin).unwrap(),
            mode = serde_json::to_string(submit_mode).unwrap(),
        ),
    )
}

/// The card the payer types, as `name=value` arguments of drive.py.
const TYPED_CARD: [&str; 4] = [
    "card_pan=4111 1111 1111 1111",
    "exp_month=11",
    "exp_year=31",
    "cvv=737",
];

/// A GoPay sandbox, a client for it, and the messages the shop's page received when
/// the payer typed [`TYPED_CARD`] into the form framed in `submit_mode` (`internal`: the
/// payer presses the form's button; `external`: the shop's).
async fn card_form_in_browser(
    submit_mode: &str,
) -> (
    payspec_gopay_sandbox::Sandbox,
    payspec_gopay::Client,
    Vec<serde_json::Value>,
) {
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_gopay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let form = client.card_form_url().await.unwrap();
    let checkout = card_form_checkout(&shop, &shop_url, &form, submit_mode);
    let mode = match submit_mode {
        "external" => "--card-form=external",
        _ => "--card-form",
    };
    let args = [&[mode, checkout.as_str()][..], &TYPED_CARD[..]].concat();
    let seen: serde_json::Value = drive(
        args.into_iter().map(str::to_string).collect(),
        &format!("the card form's result ({submit_mode} submit) did not reach the shop's page"),
    )
    .await;
    let messages = seen["messages"].as_array().cloned().unwrap_or_default();
    (sandbox, client, messages)
}

/// The types of the messages the shop's page received, in order, without the heights
/// (posted whenever the form loads or is set up).
fn message_types(messages: &[serde_json::Value]) -> Vec<&str> {
    messages
        .iter()
        .filter_map(|m| m[0].as_str())
        .filter(|t| *t != "GOPAY_CARD_FORM_HEIGHT")
        .collect()
}

/// The shop's server charges the JWE its page was handed; the payment is PAID.
async fn charge_the_form_result(client: &payspec_gopay::Client, messages: &[serde_json::Value]) {
    use payspec_gopay::jwe::Jwe;
    use payspec_gopay::open_enums::Currency;
    use payspec_gopay::{CardInput, NewPayment};
    let result = messages.last().unwrap();
    assert_eq!(result[0], "GOPAY_CARD_ENCRYPT_RESULT");
    let jwe = Jwe::parse(result[1].as_str().unwrap()).unwrap();
    let payment = client
        .create_payment(NewPayment::new(4200, Currency::Czk, "order-card-form").unwrap())
        .await
        .unwrap();
    let browser = payspec_gopay::types::BrowserData::builder()
        .language("en")
        .timezone(0)
        .screen_width(1280)
        .screen_height(800)
        .color_depth(std::num::NonZeroU32::new(24).unwrap())
        .user_agent("HeadlessChrome")
        .accept_header("text/html")
        .javascript_enabled(true)
        .try_into()
        .unwrap();
    client
        .charge_card(&payment.id, CardInput::Encrypted(jwe), browser, None)
        .await
        .unwrap();
    let paid = client.get_payment(&payment.id).await.unwrap();
    assert_eq!(paid.state.as_str(), "PAID");
}

/// GoPay's hosted card form in the merchant's checkout: the shop's page frames the form
/// `card_form_url()` gives (another origin), the payer types the card into it and presses
/// the form's own button, and the form posts the shop's page the card encrypted to
/// GoPay's key, which the shop's server then charges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn gopay_payer_types_the_card_into_the_hosted_form() {
    let (_sandbox, client, messages) = card_form_in_browser("internal").await;
    let messages = messages.as_slice();
    let types = message_types(messages);
    // Ready when shown, errors as the payer types (none in the last), then the card.
    // Validity is for the external submit mode only.
    assert_eq!(
        types.first(),
        Some(&"GOPAY_CARD_ENCRYPT_READY"),
        "{types:?}"
    );
    assert!(!types.contains(&"GOPAY_CARD_FORM_VALIDITY"), "{types:?}");
    let errors: Vec<_> = messages
        .iter()
        .filter(|m| m[0] == "GOPAY_CARD_FORM_ERRORS")
        .collect();
    assert_eq!(
        errors.len(),
        TYPED_CARD.len(),
        "one run per input: {messages:?}"
    );
    assert_eq!(
        errors.last().unwrap()[1],
        r#"{"type":"GOPAY_CARD_FORM_ERRORS","errors":[]}"#
    );
    let height = messages
        .iter()
        .find(|m| m[0] == "GOPAY_CARD_FORM_HEIGHT")
        .and_then(|m| serde_json::from_str::<serde_json::Value>(m[1].as_str()?).ok());
    assert!(
        height.as_ref().and_then(|h| h["height"].as_u64()) > Some(0),
        "the form tells the shop its height: {messages:?}"
    );
    no_card_digits_in(messages);
    charge_the_form_result(&client, messages).await;
}

/// The same form in GoPay's external submit mode: the shop's page sets it up with
/// `submitMode: "external"`, the form hides its own button and tells the shop whether it
/// is valid, and the shop's own button submits it, which does nothing while the form is
/// not valid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn gopay_shop_submits_the_hosted_form_with_its_own_button() {
    let (_sandbox, client, messages) = card_form_in_browser("external").await;
    let messages = messages.as_slice();
    let validity: Vec<&str> = messages
        .iter()
        .filter(|m| m[0] == "GOPAY_CARD_FORM_VALIDITY")
        .filter_map(|m| m[1].as_str())
        .collect();
    // Not valid when set up, valid once the card is typed: told on change only.
    assert_eq!(
        validity,
        [
            r#"{"type":"GOPAY_CARD_FORM_VALIDITY","isValid":false}"#,
            r#"{"type":"GOPAY_CARD_FORM_VALIDITY","isValid":true}"#
        ],
        "{messages:?}"
    );
    // The shop's press before typing: every field required, and nothing submitted.
    let first_errors = messages
        .iter()
        .find(|m| m[0] == "GOPAY_CARD_FORM_ERRORS")
        .unwrap();
    for field in ["pan", "expiry", "cvv"] {
        assert!(
            first_errors[1]
                .as_str()
                .unwrap()
                .contains(&format!(r#"{{"field":"{field}","code":"required"}}"#)),
            "{first_errors:?}"
        );
    }
    let types = message_types(messages);
    assert_eq!(
        types.first(),
        Some(&"GOPAY_CARD_ENCRYPT_READY"),
        "{types:?}"
    );
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "GOPAY_CARD_ENCRYPT_RESULT")
            .count(),
        1
    );
    no_card_digits_in(messages);
    charge_the_form_result(&client, messages).await;
}

/// Nothing the form posted but the JWE carries the card: no other message has its digits.
fn no_card_digits_in(messages: &[serde_json::Value]) {
    for message in messages {
        if message[0] == "GOPAY_CARD_ENCRYPT_RESULT" {
            continue; // base64url, which may contain any digits by chance
        }
        let text = message[1].as_str().unwrap_or_default();
        assert!(
            !text.contains("4111") && !text.contains("737"),
            "{message:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn mobilepay_user_approves_declines_or_lets_it_expire_in_the_app() {
    use payspec_mobilepay::open_enums::WebhookEventType;
    use payspec_mobilepay::webhook::WebhookVerifier;
    use payspec_mobilepay::{NewPayment, WebhookSubscription};
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_mobilepay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let hooks_url = format!("{shop_url}/hooks");
    let subscription = client
        .create_webhook(WebhookSubscription::new(
            hooks_url.clone(),
            [
                WebhookEventType::PaymentReserved,
                WebhookEventType::PaymentCancelledByUser,
                WebhookEventType::PaymentExpired,
            ],
        ))
        .await
        .unwrap();
    let verifier = WebhookVerifier::new(&hooks_url, subscription.signature_key.unwrap()).unwrap();
    for (n, (choice, state, event)) in [
        ("approve", "reserved", "payment.reserved"),
        ("decline", "cancelledByUser", "payment.cancelled_by_user"),
        ("expire", "cancelledBySystem", "payment.expired"),
    ]
    .into_iter()
    .enumerate()
    {
        let reference = format!("order-app-{choice}");
        let back = format!("{shop_url}/return?order={reference}");
        let order = NewPayment::new(1250, sandbox.payment_point_id(), &back, &reference).unwrap();
        let payment = client.initiate_payment(order).await.unwrap();
        let visit = pay_in_browser(&payment.redirect_uri, choice, &back).await;
        assert!(visit.page.contains(&reference), "{visit:?}");
        // The app sends the user to the payment's redirectUri as given.
        assert_eq!(
            shop.returns().last().map(String::as_str),
            Some(&back[shop_url.len()..])
        );
        let fetched = client.get_payment(payment.payment_id).await.unwrap();
        assert_eq!(serde_json::to_value(&fetched.state).unwrap(), state);
        assert_eq!(
            sandbox.state().payment(&reference).map(|p| p.state.clone()),
            Some(state.to_string())
        );
        // The signed notification, verified with the key the subscription returned.
        let (hooks, signatures) = until("MobilePay's webhook", || {
            let hooks = shop.hooks();
            (hooks.len() > n).then(|| (hooks, shop.signatures()))
        })
        .await;
        let body = hooks[n].1.as_bytes();
        verifier.verify(body, signatures[n].as_deref()).unwrap();
        let notification: serde_json::Value = serde_json::from_slice(body).unwrap();
        assert_eq!(notification["eventType"], event);
        assert_eq!(notification["data"]["id"], payment.payment_id.to_string());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn vaiipay_payer_pays_in_full_underpays_and_overpays() {
    use payspec_vaiipay::NewCheckout;
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_vaiipay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    sandbox
        .webhooks()
        .set_url(Some(format!("{shop_url}/hooks")));
    let client = sandbox.client_builder().build().unwrap();
    let verifier = client
        .webhook_verifier()
        .expect("the application secret is set");
    let urls = client
        .checkout_url_verifier()
        .expect("the application secret is set");
    for (n, (choice, status, received)) in [
        ("full", "RECEIVED", 2000),
        ("under", "UNDERPAID", 1000),
        ("over", "OVERPAID", 4000),
    ]
    .into_iter()
    .enumerate()
    {
        let reference = format!("order-crypto-{choice}");
        let checkout = NewCheckout::new(2000, "USD", reference.clone())
            .unwrap()
            .redirect_url(format!("{shop_url}/return"));
        let url = client.create_checkout(checkout).await.unwrap().checkout_url;
        // The URL is signed with the application secret, as VaiiPay's are.
        let signed = urls.verify(&url, std::time::SystemTime::now()).unwrap();
        let visit = pay_in_browser(&url, choice, &format!("{shop_url}/return")).await;
        assert!(visit.page.contains(&reference), "{visit:?}");
        let back = query(shop.returns().last().unwrap());
        assert!(back.contains(&("status".into(), status.into())), "{back:?}");
        assert!(
            back.contains(&("paymentId".into(), signed.payment_id.clone())),
            "{back:?}"
        );
        let payment = client.get_payment(&signed.payment_id).await.unwrap();
        assert_eq!(serde_json::to_value(&payment.status).unwrap(), status);
        assert_eq!(
            sandbox.state().payment(&reference).map(|p| p.state.clone()),
            Some(status.to_string())
        );
        let (hooks, signatures) = until("VaiiPay's webhook", || {
            let hooks = shop.hooks();
            (hooks.len() > n).then(|| (hooks, shop.signatures()))
        })
        .await;
        verifier
            .verify(hooks[n].1.as_bytes(), signatures[n].as_deref())
            .unwrap();
        let body: serde_json::Value = serde_json::from_str(&hooks[n].1).unwrap();
        assert_eq!(body["data"]["receivedAmount"], received);
        // The page is single-use, and a tampered URL is refused.
        let http = payspec_core::HttpConfig::default().build().unwrap();
        assert_eq!(http.get(&url).send().await.unwrap().status(), 409);
        let tampered = url.replace("expires=", "expires=9");
        assert_eq!(http.get(&tampered).send().await.unwrap().status(), 403);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs headless Chromium: cargo xtask test runs it (step browser)"]
async fn eastpay_shopper_goes_through_3_d_secure_from_the_shops_redirect_form() {
    use payspec_eastpay::{Card, Money, NewPayment};
    let (shop, shop_url) = Shop::start().await;
    let sandbox = payspec_eastpay_sandbox::Sandbox::start(Default::default())
        .await
        .unwrap();
    let client = sandbox.client_builder().build().unwrap();
    for (order, choice, success) in [
        ("order-3ds-ok", "pass", true),
        ("order-3ds-no", "fail", false),
    ] {
        // OPP's test card that needs 3-D Secure.
        let card = Card::new("4000000000000010", "12", "2030", "123");
        let payment = NewPayment::debit(Money::new(1999, "EUR").unwrap())
            .card("VISA", card)
            .merchant_transaction_id(order)
            .shopper_result_url(format!("{shop_url}/return"))
            .notification_url(format!("{shop_url}/hooks"));
        let pending = client.create_payment(payment).await.unwrap();
        assert!(pending.is_pending(), "{pending:?}");
        // The shop renders OPP's redirect as a self-submitting form (a POST with PaReq).
        let redirect = pending.redirect().expect("a 3-D Secure redirect");
        let form = shop.serve_page(&shop_url, redirect.html_form());
        let visit = pay_in_browser(&form, choice, &format!("{shop_url}/return")).await;
        assert!(visit.page.contains("3-D Secure"), "{visit:?}");
        // Back at the shop with OPP's parameters; the shop reads the result by id.
        let back = query(shop.returns().last().unwrap());
        let id = pending.id().expect("a payment id").to_string();
        assert!(back.contains(&("id".into(), id.clone())), "{back:?}");
        assert!(
            back.contains(&("resourcePath".into(), format!("/v3/payments/{id}"))),
            "{back:?}"
        );
        let settled = client.get_payment(&id).await.unwrap();
        assert_eq!(settled.is_success(), success, "{settled:?}");
        let expected = if success {
            "000.100.110"
        } else {
            "100.380.401"
        };
        assert_eq!(
            sandbox.state().payment(order).map(|p| p.state.clone()),
            Some(expected.to_string())
        );
        until("EastPay's notification", || {
            shop.hooks()
                .iter()
                .any(|(_, body)| body.contains(expected) && body.contains(&id))
                .then_some(())
        })
        .await;
    }
}
