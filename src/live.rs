//! `payspec demo --live` and `payspec <provider> ...`: clients built from the environment.
//!
//! `--live` does not move money: per provider it checks the credentials and one read
//! call against the real API.

use std::time::Instant;

/// The variables each provider reads, documented in README.
pub const VARIABLES: &[(&str, &[&str])] = &[
    (
        "nopan",
        &[
            "NOPAN_PROCESSING_ACCOUNT_ID",
            "NOPAN_CERT_PEM_FILE",
            "NOPAN_KEY_PEM_FILE",
            "(NOPAN_BASE_URL)",
            "(NOPAN_CA_PEM_FILE)",
        ],
    ),
    (
        "mobilepay",
        &[
            "MOBILEPAY_API_KEY",
            "(MOBILEPAY_BASE_URL, default the sandbox)",
        ],
    ),
    (
        "gopay",
        &[
            "GOPAY_CLIENT_ID",
            "GOPAY_CLIENT_SECRET",
            "(GOPAY_BASE_URL, default the sandbox)",
        ],
    ),
    (
        "eastpay",
        &[
            "EASTPAY_BASE_URL",
            "EASTPAY_ACCESS_TOKEN",
            "EASTPAY_ENTITY_ID",
        ],
    ),
    (
        "vaiipay",
        &[
            "VAIIPAY_BASE_URL",
            "PAYMENT_CLIENT_ID",
            "PAYMENT_CLIENT_TOKEN",
            "(WEBHOOK_SECRET)",
        ],
    ),
];

fn var(name: &str) -> Result<String, String> {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("{name} is not set"))
}

fn file(name: &str) -> Result<Vec<u8>, String> {
    let path = var(name)?;
    std::fs::read(&path).map_err(|e| format!("{name}: cannot read {path}: {e}"))
}

pub fn nopan() -> Result<payspec_nopan::Client, String> {
    let mut builder = payspec_nopan::Client::builder()
        .processing_account_id(var("NOPAN_PROCESSING_ACCOUNT_ID")?)
        .identity_pem(file("NOPAN_CERT_PEM_FILE")?, file("NOPAN_KEY_PEM_FILE")?);
    if let Ok(url) = var("NOPAN_BASE_URL") {
        builder = builder.base_url(url);
    }
    if std::env::var("NOPAN_SIGNING_KEY_PEM_FILE").is_ok() {
        builder = builder.signing_key_pem(
            var("NOPAN_SIGNING_KEY_ID")?,
            file("NOPAN_SIGNING_KEY_PEM_FILE")?,
        );
    }
    if std::env::var("NOPAN_CA_PEM_FILE").is_ok() {
        builder = builder
            .ca_pem(file("NOPAN_CA_PEM_FILE")?)
            .trust_only_given_cas();
    }
    builder.build().map_err(|e| e.to_string())
}

pub fn mobilepay() -> Result<payspec_mobilepay::Client, String> {
    let mut builder = payspec_mobilepay::Client::builder()
        .environment(payspec_mobilepay::Environment::Sandbox)
        .api_key(var("MOBILEPAY_API_KEY")?);
    if let Ok(url) = var("MOBILEPAY_BASE_URL") {
        builder = builder.base_url(url);
    }
    builder.build().map_err(|e| e.to_string())
}

pub fn gopay() -> Result<payspec_gopay::Client, String> {
    let mut builder = payspec_gopay::Client::builder()
        .client_id(var("GOPAY_CLIENT_ID")?)
        .client_secret(var("GOPAY_CLIENT_SECRET")?);
    if let Ok(url) = var("GOPAY_BASE_URL") {
        builder = builder.base_url(url);
    }
    builder.build().map_err(|e| e.to_string())
}

pub fn eastpay() -> Result<payspec_eastpay::Client, String> {
    payspec_eastpay::Client::builder()
        .base_url(var("EASTPAY_BASE_URL")?)
        .access_token(var("EASTPAY_ACCESS_TOKEN")?)
        .entity_id(var("EASTPAY_ENTITY_ID")?)
        .build()
        .map_err(|e| e.to_string())
}

pub fn vaiipay() -> Result<payspec_vaiipay::Client, String> {
    payspec_vaiipay::ClientBuilder::from_env()
        .map_err(|e| e.to_string())?
        .base_url(var("VAIIPAY_BASE_URL")?)
        .build()
        .map_err(|e| e.to_string())
}

/// Fetches a payment (or transaction) by id with the provider's status call.
pub async fn status(provider: &str, id: &str) -> Result<String, String> {
    match provider {
        "nopan" => nopan()?
            .payment_status(id)
            .await
            .map(|p| describe(&p))
            .map_err(|e| e.to_string()),
        "mobilepay" => mobilepay()?
            .get_payment(id)
            .await
            .map(|p| describe(&p))
            .map_err(|e| e.to_string()),
        "gopay" => gopay()?
            .get_payment(id)
            .await
            .map(|p| describe(&p))
            .map_err(|e| e.to_string()),
        "eastpay" => eastpay()?
            .query_transaction(id)
            .await
            .map(|t| describe(t.result()))
            .map_err(|e| e.to_string()),
        "vaiipay" => vaiipay()?
            .get_payment(id)
            .await
            .map(|p| describe(&p))
            .map_err(|e| e.to_string()),
        other => Err(format!("unknown provider `{other}`")),
    }
}

/// Gets a token (or checks the static credential) with one authenticated read call.
pub async fn check(provider: &str) -> Result<String, String> {
    let started = Instant::now();
    let detail = match provider {
        "nopan" => {
            let client = nopan()?;
            // An unknown id answers 404 only after a token was issued over mTLS.
            match client.payment_status("payspec-connectivity-check").await {
                Err(e) if e.code() == Some(&payspec_nopan::ReasonCode::NotFound) => {
                    "token ok (status 404 as expected)".into()
                }
                Ok(_) => "token ok".into(),
                Err(e) => return Err(e.to_string()),
            }
        }
        "mobilepay" => {
            use futures::StreamExt;
            let points: Vec<_> = mobilepay()?
                .payment_points(payspec_mobilepay::PageSize::DEFAULT)
                .take(5)
                .collect()
                .await;
            let points = points
                .into_iter()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?;
            format!("{} payment point(s)", points.len())
        }
        "gopay" => format!(
            "token ok, encryption key {}",
            gopay()?.public_key().await.map_err(|e| e.to_string())?.kid
        ),
        "eastpay" => match eastpay()?
            .query_transaction("payspec-connectivity-check")
            .await
        {
            Ok(t) => format!("answered {:?}", t.class()),
            Err(payspec_eastpay::Error::Auth { status, .. }) => {
                return Err(format!("credentials refused (HTTP {status})"));
            }
            Err(e) => format!("authenticated ({e})"),
        },
        "vaiipay" => match vaiipay()?.get_payment("payspec-connectivity-check").await {
            Ok(_) => "token ok".into(),
            Err(
                e @ (payspec_vaiipay::Error::Unauthenticated { .. }
                | payspec_vaiipay::Error::Forbidden { .. }),
            ) => return Err(e.to_string()),
            Err(_) => "token accepted".into(),
        },
        other => return Err(format!("unknown provider `{other}`")),
    };
    Ok(format!(
        "{detail} in {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    ))
}

/// One line of JSON for the terminal.
fn describe<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("(unprintable: {e})"))
}
