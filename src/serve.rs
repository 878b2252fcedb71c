//! `payspec sandbox`: every provider's sandbox, until interrupted, with what a client in
//! any language needs to talk to them.

use std::path::PathBuf;

/// `seed` 0: random ids; `state`: the file their state is kept in across restarts;
/// `unsigned`: Nopan's sandbox serves requests without an RFC 9421 signature too (a
/// signature that is sent is still checked).
pub async fn run(
    base_port: u16,
    seed: u64,
    state: Option<String>,
    unsigned: bool,
) -> Result<(), String> {
    let port = |offset: u16| {
        if base_port == 0 {
            0
        } else {
            base_port + offset
        }
    };
    let config = |offset: u16, name: &str| {
        let mut config = payspec_sandbox::Config::default().port(port(offset));
        if seed != 0 {
            config = config.seed(seed);
        }
        if let Some(file) = &state {
            config = config.state_file(file, name);
        }
        config
    };
    let nopan = payspec_nopan_sandbox::Sandbox::start(config(0, "nopan"))
        .await
        .map_err(|e| e.to_string())?;
    nopan.require_signatures(!unsigned);
    let mobilepay = payspec_mobilepay_sandbox::Sandbox::start(config(1, "mobilepay"))
        .await
        .map_err(|e| e.to_string())?;
    let gopay = payspec_gopay_sandbox::Sandbox::start(config(2, "gopay"))
        .await
        .map_err(|e| e.to_string())?;
    let eastpay = payspec_eastpay_sandbox::Sandbox::start(config(3, "eastpay"))
        .await
        .map_err(|e| e.to_string())?;
    let vaiipay = payspec_vaiipay_sandbox::Sandbox::start(config(4, "vaiipay"))
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
    let signing = write("nopan-signing-key.pem", nopan.client_signing_key_pem())?;

    println!("payspec sandboxes (stop with Ctrl-C); the environment for `payspec <provider> ...`:");
    println!(
        "export NOPAN_BASE_URL={} NOPAN_PROCESSING_ACCOUNT_ID={}",
        nopan.base_url(),
        payspec_nopan_sandbox::PROCESSING_ACCOUNT_ID
    );
    println!("export NOPAN_CA_PEM_FILE={ca} NOPAN_CERT_PEM_FILE={cert} NOPAN_KEY_PEM_FILE={key}");
    println!(
        "export NOPAN_SIGNING_KEY_PEM_FILE={signing} NOPAN_SIGNING_KEY_ID={}",
        payspec_nopan_sandbox::CLIENT_KEY_ID
    );
    println!(
        "# Nopan: sign every request (RFC 9421, label {}, covering {}) with \
         NOPAN_SIGNING_KEY_PEM_FILE (Ed25519); answers are signed with the keys at {}{}{}",
        payspec_nopan::SIGNATURE_LABEL,
        payspec_nopan::SIGNED_COMPONENTS.join(" "),
        nopan.base_url(),
        payspec_nopan::JWKS_PATH,
        if unsigned {
            " (--unsigned: requests without a signature are served too)"
        } else {
            ""
        }
    );
    println!(
        "export MOBILEPAY_BASE_URL={} MOBILEPAY_API_KEY={}",
        mobilepay.base_url(),
        payspec_mobilepay_sandbox::Sandbox::API_KEY
    );
    println!(
        "export GOPAY_BASE_URL={} GOPAY_CLIENT_ID={} GOPAY_CLIENT_SECRET={}",
        gopay.base_url(),
        payspec_gopay_sandbox::CLIENT_ID,
        payspec_gopay_sandbox::CLIENT_SECRET
    );
    println!(
        "export EASTPAY_BASE_URL={} EASTPAY_ACCESS_TOKEN={} EASTPAY_ENTITY_ID={}",
        eastpay.base_url(),
        payspec_eastpay_sandbox::ACCESS_TOKEN,
        payspec_eastpay_sandbox::ENTITY_ID
    );
    println!(
        "export VAIIPAY_BASE_URL={} PAYMENT_CLIENT_ID={} PAYMENT_CLIENT_TOKEN={} WEBHOOK_SECRET={}",
        vaiipay.base_url(),
        payspec_vaiipay_sandbox::CLIENT_ID,
        payspec_vaiipay_sandbox::Sandbox::FULL_TOKEN,
        vaiipay.webhook_secret()
    );
    println!(
        "export MOBILEPAY_PAYMENT_POINT_ID={} GOPAY_GOID={} VAIIPAY_OAUTH_TOKEN={} NOPAN_WEBHOOK_SECRET={}",
        mobilepay.payment_point_id(),
        payspec_gopay_sandbox::GOID,
        payspec_vaiipay_sandbox::OAUTH_TOKEN,
        nopan.webhook_secret(),
    );
    println!(
        "# webhooks: Nopan signs with NOPAN_WEBHOOK_SECRET (HMAC-SHA256, hex, header {}); \
         VaiiPay with WEBHOOK_SECRET (HMAC-SHA256, hex, header x-signature); MobilePay with the \
         key each POST /v1/webhooks answers (HMAC-SHA1, base64, header x-mobilepay-signature); \
         GoPay sends GET <notification_url>?id=<payment id>; EastPay POSTs to each payment's notificationUrl",
        payspec_nopan_sandbox::WEBHOOK_HEADER,
    );
    println!(
        "# where webhooks go (Nopan, VaiiPay): PUT <root>/__sandbox/webhooks {{\"url\":\"http://127.0.0.1:8080/hooks\"}}; \
         what was sent: GET <root>/__sandbox/webhooks; every payment: GET <root>/__sandbox/state"
    );
    println!(
        "# fault injection: POST <root>/__sandbox/faults {{\"fail\":[{{\"status\":503}}],\"latency_ms\":50,\"drop_after_state_change\":1}}"
    );
    println!(
        "# <root> is the base URL without the spec's base path (GoPay /api/4.0, EastPay /gateway)"
    );
    if let Some(file) = &state {
        println!(
            "# state kept in {file}: a restart on it has every payment, id and token (Nopan's \
             certificates are new: read the PEM files again)"
        );
    }
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("stopped");
    Ok(())
}
