//! OPP allows each operation a few payment types (checkout DB/PA, server-to-server
//! PA/DB/CD, back office CP/RF/RV, stored card PA/DB); the spec types each operation's
//! own, so the raw API cannot send another by mistake, and the sandbox refuses one sent
//! on purpose.

use payspec_eastpay::open_enums::{BackofficePaymentType, CheckoutPaymentType};
use payspec_eastpay::{Error, types};
use payspec_eastpay_sandbox::{Config, ENTITY_ID, Sandbox};

#[test]
fn each_operation_knows_only_its_own_types() {
    assert!("CP".parse::<CheckoutPaymentType>().is_err());
    assert!("DB".parse::<BackofficePaymentType>().is_err());
    assert!("RF".parse::<BackofficePaymentType>().is_ok());
    assert!(
        "CD".parse::<payspec_eastpay::open_enums::ServerPaymentType>()
            .is_ok()
    );
    assert!(
        "CD".parse::<payspec_eastpay::open_enums::RegistrationPaymentType>()
            .is_err()
    );
}

#[tokio::test]
async fn the_sandbox_refuses_a_type_the_operation_does_not_allow() {
    let sandbox = Sandbox::start(Config::default()).await.unwrap();
    let client = sandbox.client_builder().build().unwrap();
    let checkout = types::CheckoutRequest::builder()
        .entity_id(ENTITY_ID)
        .amount("10.00")
        .currency("EUR")
        .payment_type(CheckoutPaymentType::Unknown("RF".into()))
        .extra(std::collections::BTreeMap::new());
    let error = Error::from(
        client
            .api()
            .create_checkout()
            .body(checkout)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code().unwrap().to_string(), "200.300.404", "{error}");
    assert!(error.to_string().contains("paymentType"), "{error}");
    let backoffice = types::BackofficeRequest::builder()
        .entity_id(ENTITY_ID)
        .payment_type(BackofficePaymentType::Unknown("DB".into()));
    let error = Error::from(
        client
            .api()
            .create_backoffice_operation()
            .id("8ac7a4a18f0b1b0a018f0c2b5e3d1a2b")
            .body(backoffice)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(error.code().unwrap().to_string(), "200.300.404", "{error}");
    sandbox.shutdown().await;
}
