//! `payspec demo`: a complete, realistic flow per provider against its in-process
//! sandbox, one readable line per step, and a summary table.

use std::future::Future;
use std::time::{Duration, Instant, SystemTime};

/// What one step did.
pub struct Step {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
    pub elapsed: Duration,
}

/// The steps of one provider's flow.
pub struct Flow {
    pub provider: &'static str,
    pub total: usize,
    pub steps: Vec<Step>,
}

impl Flow {
    fn new(provider: &'static str, total: usize) -> Self {
        Self {
            provider,
            total,
            steps: Vec::new(),
        }
    }

    /// Runs a step, prints its line, and hands back its value when it succeeded.
    async fn step<T, F>(&mut self, name: &'static str, run: F) -> Option<T>
    where
        F: Future<Output = Result<(T, String), String>>,
    {
        let started = Instant::now();
        let outcome = run.await;
        let elapsed = started.elapsed();
        let index = self.steps.len() + 1;
        let (ok, detail, value) = match outcome {
            Ok((value, detail)) => (true, detail, Some(value)),
            Err(error) => (false, error, None),
        };
        println!(
            "[{:<9} {index}/{}] {:<32} {:<4} {:>6.1} ms  {}",
            self.provider,
            self.total,
            name,
            if ok { "ok" } else { "FAIL" },
            elapsed.as_secs_f64() * 1000.0,
            detail
        );
        self.steps.push(Step {
            name,
            ok,
            detail,
            elapsed,
        });
        value
    }

    /// Records the remaining steps as not run after a failure.
    fn skip_rest(&mut self) {
        while self.steps.len() < self.total {
            let index = self.steps.len() + 1;
            println!(
                "[{:<9} {index}/{}] {:<32} skip",
                self.provider, self.total, "(after a failure)"
            );
            self.steps.push(Step {
                name: "(skipped)",
                ok: false,
                detail: "skipped".into(),
                elapsed: Duration::ZERO,
            });
        }
    }
}

fn fail(e: impl std::fmt::Display) -> String {
    e.to_string()
}

macro_rules! step {
    ($flow:expr, $name:expr, $body:expr) => {
        match $flow.step($name, $body).await {
            Some(value) => value,
            None => {
                $flow.skip_rest();
                return $flow;
            }
        }
    };
}

pub async fn nopan() -> Flow {
    use payspec_nopan::open_enums::GrantType;
    use payspec_nopan::{Amount, NewPayment, types};
    use payspec_nopan_sandbox::{Config, PROCESSING_ACCOUNT_ID, Sandbox};
    let mut flow = Flow::new("nopan", 7);
    let sandbox = step!(flow, "start sandbox (mTLS)", async {
        let s = Sandbox::start(Config::default()).await.map_err(fail)?;
        let url = s.base_url();
        Ok((s, url))
    });
    let client = step!(flow, "build client", async {
        let client = sandbox.client_builder().build().map_err(fail)?;
        Ok((client, "client certificate from the sandbox CA".to_string()))
    });
    step!(flow, "get_access_token", async {
        let token = client
            .api()
            .get_access_token()
            .body(
                types::TokenRequest::builder()
                    .grant_type(GrantType::ClientCredentials)
                    .processing_account_id(PROCESSING_ACCOUNT_ID)
                    .scope(Some("payments:process".into())),
            )
            .send()
            .await
            .map_err(|e| fail(payspec_nopan::Error::from(e)))?
            .into_inner();
        Ok((
            (),
            format!("expires_in={}s", token.expires_in.unwrap_or_default()),
        ))
    });
    let id = step!(flow, "initiate_payment (BLIK)", async {
        let amount = Amount::new(12_500).map_err(|e| e.to_string())?;
        let payment = NewPayment::blik("demo-order-1", amount, "777123").map_err(fail)?;
        let p = client.initiate(payment).await.map_err(fail)?;
        let id = p.transaction_id;
        let detail = format!("id={id} status={}", p.status);
        Ok((id, detail))
    });
    step!(flow, "finalize_payment", async {
        let p = client.finalize_payment(&id).await.map_err(fail)?;
        Ok(((), format!("status={}", p.status)))
    });
    step!(flow, "capture_payment (partial)", async {
        let p = client
            .capture_payment(&id, "demo-order-1", 10_000)
            .await
            .map_err(fail)?;
        let captured = p
            .payment_details
            .and_then(|d| d.captured_amount)
            .unwrap_or_default();
        Ok((
            (),
            format!("captured=100.00 of 125.00 PLN (minor {captured})"),
        ))
    });
    step!(flow, "refund_payment + status", async {
        client
            .refund_payment(&id, "demo-order-1", 2_500)
            .await
            .map_err(fail)?;
        let p = client.payment_status(&id).await.map_err(fail)?;
        let refunded = p
            .payment_details
            .and_then(|d| d.refunded_amount)
            .unwrap_or_default();
        Ok((
            (),
            format!(
                "refunded={refunded} step={}",
                p.step.map(|s| s.to_string()).unwrap_or_default()
            ),
        ))
    });
    flow
}

pub async fn mobilepay() -> Flow {
    use futures::StreamExt;
    use payspec_mobilepay::{NewPayment, NewRefund, PageSize, PaymentFilter};
    use payspec_mobilepay_sandbox::{Config, Sandbox};
    let mut flow = Flow::new("mobilepay", 6);
    let sandbox = step!(flow, "start sandbox", async {
        let s = Sandbox::start(Config::default()).await.map_err(fail)?;
        let url = s.base_url();
        Ok((s, url))
    });
    let client = sandbox.client_builder().build();
    let client = step!(flow, "build client", async {
        let client = client.map_err(fail)?;
        Ok((client, "api key".to_string()))
    });
    let point = sandbox.payment_point_id();
    let id = step!(flow, "initiate_payment", async {
        let p = client
            .initiate_payment(
                NewPayment::new(4_900, point.as_str(), "myapp://done", "demo-1").map_err(fail)?,
            )
            .await
            .map_err(fail)?;
        let detail = format!("id={} key={}", p.payment_id, p.idempotency_key);
        Ok((p.payment_id.to_string(), detail))
    });
    step!(flow, "simulate_reservation", async {
        client
            .simulate_reservation(&id, Sandbox::PAYMENT_SOURCE, Sandbox::USER)
            .await
            .map_err(fail)?;
        let state = client
            .get_payment(&id)
            .await
            .map_err(fail)?
            .state
            .map(|s| s.to_string())
            .unwrap_or_default();
        Ok(((), format!("state={state}")))
    });
    step!(flow, "capture_payment + issue_refund", async {
        client.capture_payment(&id, 4_900).await.map_err(fail)?;
        let r = client
            .issue_refund(NewRefund::new(id.as_str(), 900, "demo-refund-1").map_err(fail)?)
            .await
            .map_err(fail)?;
        Ok((
            (),
            format!("remaining={}", r.remaining_amount.unwrap_or_default()),
        ))
    });
    step!(flow, "payments (3 pages of 1)", async {
        for n in 2..=3 {
            client
                .initiate_payment(
                    NewPayment::new(100, point.as_str(), "myapp://done", format!("demo-{n}"))
                        .map_err(fail)?,
                )
                .await
                .map_err(fail)?;
        }
        let size = PageSize::new(1).map_err(fail)?;
        let all: Vec<_> = client
            .payments(PaymentFilter::new().page_size(size))
            .collect()
            .await;
        let ok = all.iter().filter(|p| p.is_ok()).count();
        if ok != 3 {
            return Err(format!("expected 3 payments, got {ok}"));
        }
        Ok(((), format!("{ok} payments followed over nextPageNumber")))
    });
    flow
}

pub async fn gopay() -> Flow {
    use payspec_gopay::{CardData, ChargeExt, Currency, Instrument, NewPayment, NextStep};
    use payspec_gopay_sandbox::{Config, Sandbox};
    let mut flow = Flow::new("gopay", 7);
    let sandbox = step!(flow, "start sandbox (RSA key)", async {
        let s = Sandbox::start(Config::default()).await.map_err(fail)?;
        let url = s.base_url();
        Ok((s, url))
    });
    let client = step!(flow, "token + public key", async {
        let client = sandbox.client_builder().build().map_err(fail)?;
        let key = client.public_key().await.map_err(fail)?;
        let detail = format!("kid={} (token via client credentials)", key.kid);
        Ok((client, detail))
    });
    let new_payment = |order: &str| NewPayment::new(19_900, Currency::Czk, order).map_err(fail);
    let token = step!(flow, "tokenize card (JWE)", async {
        let card = CardData::new("4000 0000 0000 0002", "12", "30", "123").map_err(fail)?;
        let t = client.tokenize_card(&card, false).await.map_err(fail)?;
        let detail = format!("masked={}", t.masked_pan.clone().unwrap_or_default());
        Ok((t.token.unwrap_or_default(), detail))
    });
    step!(flow, "create_payment + charge (3DS)", async {
        let id = client
            .create_payment(new_payment("demo-3ds")?)
            .await
            .map_err(fail)?
            .id;
        let charge = client
            .create_charge(&id, Instrument::card(token.clone()), None)
            .await
            .map_err(fail)?;
        match charge.next_step() {
            NextStep::RedirectPayer { action_url, .. } => {
                Ok(((), format!("send the payer to {action_url}")))
            }
            other => Err(format!("expected a 3DS redirect, got {other:?}")),
        }
    });
    let paid = step!(flow, "charge frictionless card", async {
        let card = CardData::new("4444 4444 4444 4448", "01", "27", "258").map_err(fail)?;
        let t = client.tokenize_card(&card, false).await.map_err(fail)?;
        let id = client
            .create_payment(new_payment("demo-paid")?)
            .await
            .map_err(fail)?
            .id;
        let charge = client
            .create_charge(&id, Instrument::card(t.token.unwrap_or_default()), None)
            .await
            .map_err(fail)?;
        let detail = format!("payment={id} next={:?}", charge.next_step());
        Ok((id, detail))
    });
    step!(flow, "create_refund", async {
        let r = client.create_refund(&paid, 5_000).await.map_err(fail)?;
        Ok((
            (),
            format!(
                "refund state={}",
                r.state.map(|s| s.to_string()).unwrap_or_default()
            ),
        ))
    });
    step!(flow, "get_payment", async {
        let p = client.get_payment(&paid).await.map_err(fail)?;
        Ok(((), format!("state={}", p.state)))
    });
    flow
}

pub async fn eastpay() -> Flow {
    use payspec_eastpay::{Card, Money, NewCheckout, NewPayment};
    use payspec_eastpay_sandbox::{Config, Sandbox};
    let mut flow = Flow::new("eastpay", 6);
    let sandbox = step!(flow, "start sandbox", async {
        let s = Sandbox::start(Config::default()).await.map_err(fail)?;
        let url = s.base_url();
        Ok((s, url))
    });
    let client = step!(flow, "create_checkout", async {
        let client = sandbox.client_builder().build().map_err(fail)?;
        let money = Money::new(9_200, "EUR").map_err(fail)?;
        let c = client
            .create_checkout(NewCheckout::debit(money))
            .await
            .map_err(fail)?;
        let detail = format!(
            "checkout={} class={:?}",
            c.id().unwrap_or_default(),
            c.class()
        );
        Ok((client, detail))
    });
    let money = Money::new(15_000, "EUR");
    let id = step!(flow, "create_payment (PA)", async {
        let money = money.clone().map_err(fail)?;
        let t = client
            .create_payment(
                NewPayment::preauthorization(money)
                    .card("VISA", Card::new("4200000000000000", "05", "2034", "123")),
            )
            .await
            .map_err(fail)?;
        let detail = format!(
            "code={} class={:?}",
            t.code().map(|c| c.to_string()).unwrap_or_default(),
            t.class()
        );
        Ok((t.id().unwrap_or_default().to_string(), detail))
    });
    step!(flow, "capture (CP)", async {
        let t = client
            .capture(&id, &money.clone().map_err(fail)?)
            .await
            .map_err(fail)?;
        Ok(((), format!("class={:?}", t.class())))
    });
    step!(flow, "refund (RF 50.00 EUR)", async {
        let t = client
            .refund(&id, &Money::new(5_000, "EUR").map_err(fail)?)
            .await
            .map_err(fail)?;
        Ok(((), format!("class={:?}", t.class())))
    });
    step!(flow, "a declined payment", async {
        let t = client
            .create_payment(
                NewPayment::debit(Money::new(100, "EUR").map_err(fail)?)
                    .card("VISA", Card::new("4000000000000002", "05", "2034", "999")),
            )
            .await
            .map_err(fail)?;
        if !t.is_declined() {
            return Err("expected a decline".into());
        }
        Ok((
            (),
            format!(
                "HTTP {} code={} class={:?}",
                t.http_status(),
                t.code().map(|c| c.to_string()).unwrap_or_default(),
                t.class()
            ),
        ))
    });
    flow
}

pub async fn vaiipay() -> Flow {
    use payspec_vaiipay::NewCheckout;
    use payspec_vaiipay_sandbox::{Config, Sandbox};
    let mut flow = Flow::new("vaiipay", 5);
    let sandbox = step!(flow, "start sandbox", async {
        let s = Sandbox::start(Config::default()).await.map_err(fail)?;
        let url = s.base_url();
        Ok((s, url))
    });
    let client = sandbox.client_builder().build();
    let (client, id) = step!(flow, "create_checkout + verify URL", async {
        let client = client.map_err(fail)?;
        let c = client
            .create_checkout(NewCheckout::new(10_000, "USD", "DEMO-1").map_err(fail)?)
            .await
            .map_err(fail)?;
        let url = c.checkout_url;
        let verifier = client
            .checkout_url_verifier()
            .ok_or("no application secret")?;
        let checked = verifier.verify(&url, SystemTime::now()).map_err(fail)?;
        let id = checked.payment_id;
        Ok(((client, id.clone()), format!("payment={id} (signature ok)")))
    });
    step!(flow, "get_payment", async {
        let p = client.get_payment(&id).await.map_err(fail)?;
        Ok((
            (),
            format!(
                "status={}",
                p.status.map(|s| s.to_string()).unwrap_or_default()
            ),
        ))
    });
    step!(flow, "get_payment_instructions", async {
        let i = client
            .get_payment_instructions(&id, "tron", "usdt")
            .await
            .map_err(fail)?;
        Ok((
            (),
            format!(
                "send {} USDT to {}",
                i.amount.unwrap_or_default(),
                i.address.unwrap_or_default()
            ),
        ))
    });
    step!(flow, "payer pays + webhook verified", async {
        // A closed loopback port: the delivery is recorded even though nobody listens.
        sandbox
            .webhooks()
            .set_url(Some("http://127.0.0.1:9/vaiipay".into()));
        sandbox.complete_payment(&id);
        let mut delivered = Vec::new();
        for _ in 0..300 {
            delivered = sandbox.webhooks().deliveries();
            if !delivered.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let d = delivered.first().ok_or("no webhook was sent")?;
        let signature = d
            .headers
            .iter()
            .find(|(n, _)| n == "x-signature")
            .map(|(_, v)| v.as_str());
        client
            .webhook_verifier()
            .ok_or("no secret")?
            .verify(&d.body, signature)
            .map_err(fail)?;
        Ok(((), "payment.received, signature ok".to_string()))
    });
    flow
}

/// Runs the flows of `providers` and prints the summary; true when every step passed. A
/// provider without a sandbox (one added with `cargo xtask add-provider` before its
/// sandbox is written) has no offline flow: said, and a failure when it was asked for by
/// name (`explicit`).
pub async fn run(providers: &[String], explicit: bool) -> bool {
    let mut flows = Vec::new();
    let mut missing = false;
    for provider in providers {
        let flow = match provider.as_str() {
            "nopan" => nopan().await,
            "mobilepay" => mobilepay().await,
            "gopay" => gopay().await,
            "eastpay" => eastpay().await,
            "vaiipay" => vaiipay().await,
            other => {
                println!("[{other}] no offline demo: payspec-{other} has no sandbox yet");
                missing |= explicit;
                continue;
            }
        };
        flows.push(flow);
    }
    summary(&flows) && !missing
}

/// Prints the summary table; true when every step passed.
pub fn summary(flows: &[Flow]) -> bool {
    println!();
    println!(
        "{:<10} {:>5} {:>5} {:>6} {:>10}",
        "provider", "steps", "ok", "failed", "time (ms)"
    );
    let mut all_ok = true;
    for flow in flows {
        let ok = flow.steps.iter().filter(|s| s.ok).count();
        let failed = flow.steps.len() - ok;
        all_ok &= failed == 0 && flow.steps.len() == flow.total;
        let ms: f64 = flow
            .steps
            .iter()
            .map(|s| s.elapsed.as_secs_f64() * 1000.0)
            .sum();
        println!(
            "{:<10} {:>5} {:>5} {:>6} {:>10.1}",
            flow.provider,
            flow.steps.len(),
            ok,
            failed,
            ms
        );
        for step in flow.steps.iter().filter(|s| !s.ok && s.name != "(skipped)") {
            println!("  failed: {}: {}", step.name, step.detail);
        }
    }
    println!(
        "{}",
        if all_ok {
            "result: every step passed"
        } else {
            "result: FAILED"
        }
    );
    all_ok
}
