//! `payspec bench-sandbox`: requests per second of a sandbox for a status call, raw
//! (reqwest) against through a payspec client, sequential and with 64 concurrent tasks.
//! A measurement to read, not a test: nothing asserts on its figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

/// CPU time this process's threads have run, in nanoseconds (Linux scheduler statistics;
/// `None` elsewhere). Unlike wall time, it does not grow when the machine's other load
/// takes the cores away.
pub fn process_cpu_ns() -> Option<u64> {
    let mut total = 0u64;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let path = task.ok()?.path().join("schedstat");
        let text = std::fs::read_to_string(path).ok()?;
        total += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(total)
}

/// One measured run: requests per second (wall), failed calls, and CPU nanoseconds per
/// request (all threads: client, runtime and server).
struct Run {
    rps: f64,
    failed: usize,
    cpu_ns_per_call: Option<f64>,
}

async fn measure<F, Fut>(seconds: f64, tasks: usize, call: F) -> (f64, usize)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let run = measure_run(seconds, tasks, call).await;
    (run.rps, run.failed)
}

async fn measure_run<F, Fut>(seconds: f64, tasks: usize, call: F) -> Run
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let cpu_before = process_cpu_ns();
    // `seconds` comes from the command line: a negative, NaN or endless value is clamped.
    let length = Duration::try_from_secs_f64(seconds.clamp(0.0, 86_400.0)).unwrap_or_default();
    let deadline = Instant::now()
        .checked_add(length)
        .unwrap_or_else(Instant::now);
    let started = Instant::now();
    let workers = (0..tasks).map(|_| {
        let call = call.clone();
        tokio::spawn(async move {
            let (mut done, mut failed) = (0usize, 0usize);
            while Instant::now() < deadline {
                if call().await { done += 1 } else { failed += 1 }
            }
            (done, failed)
        })
    });
    let results = futures::future::join_all(workers).await;
    let elapsed = started.elapsed().as_secs_f64();
    let done: usize = results
        .iter()
        .map(|r| r.as_ref().map(|(d, _)| *d).unwrap_or(0))
        .sum();
    let failed: usize = results
        .iter()
        .map(|r| r.as_ref().map(|(_, f)| *f).unwrap_or(0))
        .sum();
    let cpu = cpu_before
        .zip(process_cpu_ns())
        .map(|(a, b)| b.saturating_sub(a));
    Run {
        rps: done as f64 / elapsed,
        failed,
        cpu_ns_per_call: cpu.filter(|_| done > 0).map(|ns| ns as f64 / done as f64),
    }
}

/// A MobilePay sandbox, a client for it and its payment point.
async fn mobilepay_sandbox() -> Result<
    (
        payspec_mobilepay_sandbox::Sandbox,
        payspec_mobilepay::Client,
        String,
    ),
    String,
> {
    let sandbox =
        payspec_mobilepay_sandbox::Sandbox::start(payspec_mobilepay_sandbox::Config::default())
            .await
            .map_err(|e| e.to_string())?;
    let client = sandbox
        .client_builder()
        .build()
        .map_err(|e| e.to_string())?;
    let point = sandbox.payment_point_id();
    Ok((sandbox, client, point))
}

pub async fn run(seconds: f64) -> Result<(), String> {
    let (sandbox, client, point) = mobilepay_sandbox().await?;
    let payment = client
        .initiate_payment(
            payspec_mobilepay::NewPayment::new(100, point.as_str(), "myapp://x", "bench")
                .map_err(|e| e.to_string())?,
        )
        .await
        .map_err(|e| e.to_string())?;
    let id = payment.payment_id.to_string();
    let url = format!("{}/v1/payments/{id}", sandbox.base_url());
    let raw = payspec_core::HttpConfig::default()
        .build()
        .map_err(|e| e.to_string())?;
    println!(
        "sandbox: MobilePay GET /v1/payments/{{id}} on {} ({} cores, {seconds} s per row)",
        sandbox.base_url(),
        cores()
    );
    println!(
        "{:<32} {:>7} {:>12} {:>8}",
        "client", "tasks", "requests/s", "failed"
    );
    for tasks in [1usize, 64] {
        let (raw_client, url) = (raw.clone(), url.clone());
        let (rps, failed) = measure(seconds, tasks, move || {
            let (raw_client, url) = (raw_client.clone(), url.clone());
            async move {
                let response = raw_client
                    .get(&url)
                    .bearer_auth(payspec_mobilepay_sandbox::Sandbox::API_KEY)
                    .send()
                    .await;
                match response {
                    Ok(r) => r.json::<serde_json::Value>().await.is_ok(),
                    Err(_) => false,
                }
            }
        })
        .await;
        println!(
            "{:<32} {:>7} {:>12.0} {:>8}",
            "raw reqwest + serde_json::Value", tasks, rps, failed
        );
        let (client, id) = (client.clone(), id.clone());
        let (rps_payspec, failed) = measure(seconds, tasks, move || {
            let (client, id) = (client.clone(), id.clone());
            async move { client.get_payment(&id).await.is_ok() }
        })
        .await;
        println!(
            "{:<32} {:>7} {:>12.0} {:>8}",
            "payspec-mobilepay get_payment", tasks, rps_payspec, failed
        );
        println!(
            "{:<32} {:>7} {:>12.2}",
            "  ratio payspec/raw",
            tasks,
            rps_payspec / rps.max(1.0)
        );
    }
    Ok(())
}

pub fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

/// Peak resident memory of this process (VmHWM), in KiB, where /proc says it.
pub fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// A server that answers every request with the same payment, as fast as it can: the
/// client overhead is then most of what is measured.
struct Fixed(Vec<u8>);

impl payspec_sandbox::Handler for Fixed {
    fn handle(&self, _: payspec_sandbox::Request) -> payspec_sandbox::Response {
        let value: serde_json::Value = serde_json::from_slice(&self.0).unwrap_or_default();
        payspec_sandbox::Response::json(200, &value)
    }
}

const PAYMENT: &str = r#"{"paymentId":"186d2b31-ff25-4414-9fd1-bfe9807fa8b7","amount":1250,"description":"Lorem ipsum dolor sit amet","paymentPointId":"7347ba06-95c5-4181-82e5-7c7a23609a0e","reference":"My-Payment-1","redirectUri":"myapp://redirect","state":"reserved","initiatedOn":"2022-05-26T13:13:49.700315+03:00","lastUpdatedOn":"2022-05-26T13:13:49.700318+03:00","merchantId":"655ad36f-70b0-4add-a123-b943daca50e8","isoCurrencyCode":"DKK","paymentPointName":"MyPaymentPoint"}"#;

/// `payspec bench-overhead`: payspec-mobilepay's `get_payment` against a hand-written
/// reqwest call doing the same request (same headers) and decoding the same JSON into
/// the same type, against one fixed-answer server; prints one JSON line.
pub async fn overhead(
    seconds: f64,
    tasks: usize,
    only: Option<(String, usize)>,
) -> Result<(), String> {
    if tasks > 1 {
        return overhead_in(seconds, tasks, only).await;
    }
    // Sequential calls run on a runtime of their own with one thread, server included:
    // every call then costs its CPU time and nothing else. On the shared two-worker
    // runtime a lone task and the server land on the same or on different workers from
    // one round to the next, and the wake-ups between them decide the figure more than
    // either client does.
    let thread = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?
            .block_on(overhead_in(seconds, tasks, only))
    });
    thread
        .join()
        .map_err(|_| "the benchmark thread panicked".to_string())?
}

async fn overhead_in(
    seconds: f64,
    tasks: usize,
    only: Option<(String, usize)>,
) -> Result<(), String> {
    use std::sync::Arc as StdArc;
    let server = payspec_sandbox::SandboxServer::start(
        StdArc::new(Fixed(PAYMENT.as_bytes().to_vec())),
        None,
        0,
    )
    .await
    .map_err(|e| e.to_string())?;
    let base = server.base_url();
    let client = payspec_mobilepay::Client::builder()
        .base_url(base.clone())
        .api_key("bench-key")
        .build()
        .map_err(|e| e.to_string())?;
    let raw = payspec_core::HttpConfig::default()
        .build()
        .map_err(|e| e.to_string())?;
    let id = "186d2b31-ff25-4414-9fd1-bfe9807fa8b7";
    // The raw call formats its URL from the base and the payment id on every call, as code
    // fetching a given payment does (payspec formats it too).
    let base = StdArc::new(base);
    // Warm both paths (connections, caches) before measuring.
    for _ in 0..200 {
        let _ = client.get_payment(id).await;
        let _ = raw_call(&raw, &base, id).await;
    }
    // `--only raw|payspec --count N`: N sequential calls of one path and nothing else, for
    // instruction counting under callgrind.
    if let Some((path, count)) = only {
        // In a task, as in the measured rounds.
        let (client, raw, base) = (client.clone(), raw.clone(), base.clone());
        let calls = tokio::spawn(async move {
            for _ in 0..count {
                let ok = if path == "raw" {
                    raw_call(&raw, &base, id).await
                } else {
                    client.get_payment(id).await.is_ok()
                };
                if !ok {
                    return Err("a call failed".to_string());
                }
            }
            Ok(())
        });
        return calls.await.map_err(|e| e.to_string())?;
    }
    // Twenty short rounds, the two paths back to back in alternating order, so drift (CPU
    // frequency, the other core's load) hits both alike; the ratio is the median of the
    // rounds' ratios, which one disturbed round cannot move.
    let rounds = 20;
    let slice = seconds / (2 * rounds) as f64;
    let (mut raw_total, mut payspec_total) = (0.0, 0.0);
    let mut ratios = Vec::with_capacity(rounds);
    let mut cpu_ratios = Vec::with_capacity(rounds);
    for round in 0..rounds {
        let (r, b) = (raw.clone(), base.clone());
        let raw_run = measure_run(slice, tasks, move || {
            let (r, b) = (r.clone(), b.clone());
            async move { raw_call(&r, &b, id).await }
        });
        let c = client.clone();
        let payspec_run = measure_run(slice, tasks, move || {
            let c = c.clone();
            async move { c.get_payment(id).await.is_ok() }
        });
        let (raw, payspec) = if round % 2 == 0 {
            let raw = raw_run.await;
            (raw, payspec_run.await)
        } else {
            let payspec = payspec_run.await;
            (raw_run.await, payspec)
        };
        raw_total += raw.rps;
        payspec_total += payspec.rps;
        ratios.push(payspec.rps / raw.rps);
        if let (Some(r), Some(p)) = (raw.cpu_ns_per_call, payspec.cpu_ns_per_call) {
            cpu_ratios.push(r / p);
        }
    }
    let median = |values: &mut Vec<f64>| {
        values.sort_by(f64::total_cmp);
        let n = values.len();
        match n {
            0 => None,
            _ if n.is_multiple_of(2) => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
            _ => Some(values[n / 2]),
        }
    };
    let cpu_ratio = median(&mut cpu_ratios).map(|r| (r * 1000.0).round() / 1000.0);
    let median = median(&mut ratios).unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({"tasks": tasks, "raw_rps": (raw_total / rounds as f64).round(),
            "payspec_rps": (payspec_total / rounds as f64).round(),
            "ratio": (median * 1000.0).round() / 1000.0,
            "ratio_min": (ratios[0] * 1000.0).round() / 1000.0,
            "ratio_max": (ratios[rounds - 1] * 1000.0).round() / 1000.0,
            "cpu_ratio": cpu_ratio,
            "peak_kib": peak_kib(), "cores": cores(),
            // What every call carries (and moves): the size of `get_payment`'s future.
            "call_future_bytes": std::mem::size_of_val(&client.get_payment(id))})
    );
    Ok(())
}

/// The hand-written call: the same headers as payspec sends (bearer, accept, a fresh
/// correlation id) and the same JSON decoded into the same type.
async fn raw_call(client: &reqwest::Client, base: &str, id: &str) -> bool {
    match client
        .get(format!("{base}/v1/payments/{id}"))
        .bearer_auth("bench-key")
        .header("accept", "application/json")
        .header("correlationid", uuid_like())
        .send()
        .await
    {
        Ok(response) => response
            .json::<payspec_mobilepay::types::Payment>()
            .await
            .is_ok(),
        Err(_) => false,
    }
}

fn uuid_like() -> String {
    let n = fastrand_u128();
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (n >> 96) as u32,
        (n >> 80) as u16,
        (n >> 64) as u16 & 0xfff,
        (n >> 48) as u16 & 0xfff,
        n as u64 & 0xffff_ffff_ffff
    )
}

fn fastrand_u128() -> u128 {
    // The raw call needs a correlation id as payspec sends one; any random source does.
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(0);
    let a = h.finish();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(1);
    (u128::from(a) << 64) | u128::from(h.finish())
}

/// `payspec bench-tokens`: token endpoint hits for 1,000 concurrent first calls, and
/// after an expiry; prints one JSON line.
pub async fn tokens() -> Result<(), String> {
    let sandbox = payspec_nopan_sandbox::Sandbox::start(payspec_nopan_sandbox::Config::default())
        .await
        .map_err(|e| e.to_string())?;
    let client = sandbox
        .client_builder()
        .build()
        .map_err(|e| e.to_string())?;
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.payment_status("missing").await })
    });
    futures::future::join_all(calls).await;
    let first = client.token_fetches();
    sandbox.expire_tokens();
    let calls = (0..1000).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { client.payment_status("missing").await })
    });
    futures::future::join_all(calls).await;
    let after_expiry = client.token_fetches() - first;
    println!(
        "{}",
        serde_json::json!({"first_calls": 1000, "token_requests": first, "after_expiry": after_expiry})
    );
    Ok(())
}

/// `payspec bench-crypto`: JWE encryption of a card and EastPay result classification,
/// time per operation; prints one JSON line.
pub fn crypto() -> Result<(), String> {
    use rsa_key::public_jwk;
    let jwk = public_jwk();
    let card = payspec_gopay::CardData::new("4444444444444448", "01", "27", "258")
        .map_err(|e| e.to_string())?;
    let n = 2000;
    let started = Instant::now();
    for _ in 0..n {
        card.encrypt(&jwk).map_err(|e| e.to_string())?;
    }
    let jwe_us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
    let codes: Vec<String> = (0..100_000u32)
        .map(|i| {
            format!(
                "{:03}.{:03}.{:03}",
                (i * 7) % 1000,
                (i * 13) % 1000,
                (i * 31) % 1000
            )
        })
        .collect();
    let started = Instant::now();
    let mut successes = 0usize;
    for code in &codes {
        successes += usize::from(payspec_eastpay::classify(code).is_success());
    }
    let classify_ns = started.elapsed().as_secs_f64() * 1e9 / codes.len() as f64;
    println!(
        "{}",
        serde_json::json!({"jwe_encrypt_us": (jwe_us * 10.0).round() / 10.0, "classify_ns": classify_ns.round(), "checksum": successes})
    );
    Ok(())
}

mod rsa_key {
    /// A fixed 2048-bit RSA public key (modulus of a key made for benchmarks): encryption
    /// cost does not depend on which key it is.
    pub fn public_jwk() -> payspec_gopay::types::Jwk {
        serde_json::from_value(serde_json::json!({
            "kty": "RSA", "kid": "bench", "use": "enc", "alg": "RSA-OAEP-256", "e": "AQAB",
            "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw"
        }))
        .unwrap_or_else(|_| unreachable_jwk())
    }

    fn unreachable_jwk() -> payspec_gopay::types::Jwk {
        payspec_gopay::types::Jwk {
            alg: None,
            e: String::new(),
            kid: String::new(),
            kty: String::new(),
            n: String::new(),
            use_: None,
        }
    }
}

/// `payspec bench-sandbox-memory`: a MobilePay sandbox holding `count` payments; prints
/// one JSON line with this process's peak memory.
pub async fn sandbox_memory(count: usize) -> Result<(), String> {
    let (sandbox, client, point) = mobilepay_sandbox().await?;
    let before = peak_kib();
    let started = Instant::now();
    let batch = 64;
    for start in (0..count).step_by(batch) {
        let calls = (start..(start + batch).min(count)).map(|n| {
            let client = client.clone();
            let point = point.clone();
            async move {
                client
                    .initiate_payment(payspec_mobilepay::NewPayment::new(
                        100,
                        point.as_str(),
                        "myapp://x",
                        format!("m-{n}"),
                    )?)
                    .await
            }
        });
        for result in futures::future::join_all(calls).await {
            result.map_err(|e| e.to_string())?;
        }
    }
    println!(
        "{}",
        serde_json::json!({"payments": sandbox.state().payments.len(), "seconds": started.elapsed().as_secs_f64().round(),
            "peak_kib_before": before, "peak_kib": peak_kib()})
    );
    Ok(())
}
