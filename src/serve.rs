//! `payspec sandbox`: every provider's sandbox, until interrupted, with what a client in
//! any language needs to talk to them.

use std::path::PathBuf;

pub async fn run(base_port: u16) -> Result<(), String> {
    let port = |offset: u16| {
        if base_port == 0 {
            0
        } else {
            base_port + offset
        }
    };
    let nopan =
        payspec_nopan::sandbox::Sandbox::start_with(payspec_nopan::sandbox::SandboxConfig {
            port: port(0),
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?;
    let mobilepay = payspec_mobilepay::sandbox::Sandbox::start_on(port(1))
        .await
        .map_err(|e| e.to_string())?;
    let gopay =
        payspec_gopay::sandbox::Sandbox::start_with(port(2), std::time::Duration::from_secs(900))
            .await
            .map_err(|e| e.to_string())?;
    let eastpay = payspec_eastpay::sandbox::Sandbox::start_with(port(3), None)
        .await
        .map_err(|e| e.to_string())?;
    let vaiipay = payspec_vaiipay::sandbox::Sandbox::start_on(port(4))
        .await
        .map_err(|e| e.to_string())?;

    // Nopan needs files for its client certificate; they go to a fresh directory.
    let dir: PathBuf = std::env::temp_dir().join(format!("payspec-sandbox-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let write = |name: &str, text: &str| -> Result<String, String> {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| e.to_string())?;
        Ok(path.display().to_string())
    };
    let pki = nopan.pki();
    let ca = write("nopan-ca.pem", &pki.ca_pem)?;
    let cert = write("nopan-client.pem", &pki.client_cert_pem)?;
    let key = write("nopan-client-key.pem", &pki.client_key_pem)?;

    println!("payspec sandboxes (stop with Ctrl-C); the environment for `payspec <provider> ...`:");
    println!(
        "export NOPAN_BASE_URL={} NOPAN_PROCESSING_ACCOUNT_ID={}",
        nopan.base_url(),
        payspec_nopan::sandbox::PROCESSING_ACCOUNT_ID
    );
    println!("export NOPAN_CA_PEM_FILE={ca} NOPAN_CERT_PEM_FILE={cert} NOPAN_KEY_PEM_FILE={key}");
    println!(
        "export MOBILEPAY_BASE_URL={} MOBILEPAY_API_KEY={}",
        mobilepay.base_url(),
        payspec_mobilepay::sandbox::Sandbox::API_KEY
    );
    println!(
        "export GOPAY_BASE_URL={} GOPAY_CLIENT_ID={} GOPAY_CLIENT_SECRET={}",
        gopay.base_url(),
        payspec_gopay::sandbox::CLIENT_ID,
        payspec_gopay::sandbox::CLIENT_SECRET
    );
    println!(
        "export EASTPAY_BASE_URL={} EASTPAY_ACCESS_TOKEN={} EASTPAY_ENTITY_ID={}",
        eastpay.base_url(),
        payspec_eastpay::sandbox::ACCESS_TOKEN,
        payspec_eastpay::sandbox::ENTITY_ID
    );
    println!(
        "export VAIIPAY_BASE_URL={} PAYMENT_CLIENT_ID={} PAYMENT_CLIENT_TOKEN={} WEBHOOK_SECRET={}",
        vaiipay.base_url(),
        payspec_vaiipay::sandbox::CLIENT_ID,
        payspec_vaiipay::sandbox::Sandbox::FULL_TOKEN,
        payspec_vaiipay::sandbox::APP_SECRET
    );
    println!(
        "# MobilePay payment point: {}",
        mobilepay.payment_point_id()
    );
    println!(
        "# fault injection: POST <base>/__sandbox/faults {{\"fail\":[{{\"status\":503}}],\"latency_ms\":50,\"drop_after_state_change\":1}}"
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("stopped");
    Ok(())
}
