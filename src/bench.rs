//! `payspec bench-sandbox`: requests per second of a sandbox for a status call, raw
//! (reqwest) against through a payspec client, sequential and with 64 concurrent tasks.
//! A measurement to read, not a test: nothing asserts on its figures.

use std::sync::Arc;
use std::time::{Duration, Instant};

async fn measure<F, Fut>(seconds: f64, tasks: usize, call: F) -> (f64, usize)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let call = Arc::new(call);
    let deadline = Instant::now() + Duration::from_secs_f64(seconds);
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
    (done as f64 / elapsed, failed)
}

pub async fn run(seconds: f64) -> Result<(), String> {
    use payspec_mobilepay::sandbox::Sandbox;
    let sandbox = Sandbox::start().await.map_err(|e| e.to_string())?;
    let client = sandbox
        .client_builder()
        .build()
        .map_err(|e| e.to_string())?;
    let point = sandbox.payment_point_id();
    let payment = client
        .initiate_payment(payspec_mobilepay::NewPayment::new(
            100,
            point.as_str(),
            "myapp://x",
            "bench",
        ))
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
                    .bearer_auth(Sandbox::API_KEY)
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
