//! GoPay's notifications: an HTTP GET `?id=<payment id>` on the callback URL at every
//! state change, unsigned. Take only the id from it and fetch the payment: the payment
//! as GoPay's API reports it is the only thing to trust.

use crate::error::{Error, Result};

/// The payment id of a notification, from its query string (`id=...&...`), its full
/// URL, or its path and query.
pub fn payment_id(url_or_query: &str) -> Result<String> {
    let query = match url_or_query.split_once('?') {
        Some((_, query)) => query,
        None => url_or_query,
    };
    let ids: Vec<String> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| name == "id")
        .map(|(_, value)| value.into_owned())
        .collect();
    match ids.as_slice() {
        [id] if !id.trim().is_empty() && id.len() <= 128 && !id.contains('/') => Ok(id.clone()),
        [] => Err(Error::Notification("no `id` parameter".into())),
        [_] => Err(Error::Notification(
            "the `id` parameter is empty or malformed".into(),
        )),
        _ => Err(Error::Notification("more than one `id` parameter".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_id() {
        assert_eq!(payment_id("id=3000006529").unwrap(), "3000006529");
        assert_eq!(
            payment_id("https://shop.example/notify?id=01JW&x=1").unwrap(),
            "01JW"
        );
        assert!(payment_id("https://shop.example/notify").is_err());
        assert!(payment_id("id=").is_err());
        assert!(payment_id("id=a&id=b").is_err());
        assert!(payment_id("id=..%2F..%2Fadmin").is_err());
    }
}
