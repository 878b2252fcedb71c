//! Answers shaped as dev.vaiipay.com publishes them (ids as strings) and as the seed's
//! examples show them (ids as integers) both parse; the facts are restated here in our
//! own test data, not copied from the published pages.

use payspec_vaiipay::types;

#[test]
fn string_ids_as_published_and_integer_ids_as_in_the_seed_both_parse() {
    let published: types::ApplicationEnvelope = serde_json::from_value(serde_json::json!({
        "data": {
            "id": "550e8400-e29b-41d4-a716-446655440000",
            "name": "Tea room",
            "clientId": "fedcba9876543210fedcba9876543210",
            "userId": "user-uuid",
            "site": {"id": "site-uuid", "url": "https://tea.example"},
            "currencyWhitelist": ["USDT"],
            "createdAt": "2026-02-02T10:00:00Z"
        }
    }))
    .unwrap();
    let app = published.data;
    assert_eq!(
        app.id.as_ref().unwrap(),
        "550e8400-e29b-41d4-a716-446655440000"
    );
    assert_eq!(app.user_id.as_ref().unwrap(), "user-uuid");
    assert_eq!(
        app.site.as_ref().and_then(|s| s.id.as_ref()).unwrap(),
        "site-uuid"
    );

    let seed: types::ApplicationEnvelope =
        serde_json::from_value(serde_json::json!({"data": {"id": 7, "userId": 42}})).unwrap();
    assert_eq!(seed.data.id.as_ref().unwrap().as_str(), "7");
    // Written back in the form it came in.
    assert_eq!(
        serde_json::to_value(&seed).unwrap(),
        serde_json::json!({"data": {"id": 7, "userId": 42}})
    );

    let payment: types::PaymentEnvelope = serde_json::from_value(serde_json::json!({
        "data": {"id": "550e8400-e29b-41d4-a716-446655440000", "userId": "user-uuid", "status": "RECEIVED"}
    }))
    .unwrap();
    assert_eq!(payment.data.user_id.unwrap().to_string(), "user-uuid");
}

#[test]
fn an_application_name_is_3_to_255_characters_and_urls_are_optional() {
    use payspec_vaiipay::NewApplication;
    assert!(NewApplication::new("ab", "whsec").is_err());
    assert!(NewApplication::new(&"x".repeat(256), "whsec").is_err());
    assert!(
        NewApplication::new("abc", "").is_err(),
        "an empty secret is refused"
    );
    let body: types::CreateApplicationRequest = NewApplication::new("abc", "whsec").unwrap().into();
    let json = serde_json::to_value(&body).unwrap();
    assert!(
        json.get("url").is_none() && json.get("callbackUrl").is_none(),
        "{json}"
    );
}
