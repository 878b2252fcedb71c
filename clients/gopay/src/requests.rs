//! Requests built the way a merchant thinks of them: the required fields as arguments,
//! checked when the request is built (an error names the field), the optional ones as
//! setters; the client fills what it knows (the e-shop's GoID).

use payspec_core::Amount;
use payspec_gopay_api::open_enums::Currency;
use payspec_gopay_api::types;

use crate::{Error, Result};

/// GoPay's longest order number.
const ORDER_NUMBER_MAX: usize = 128;

/// A payment to create ([`crate::Client::create_payment`]).
///
/// ```
/// use payspec_gopay::{Amount, Currency, NewPayment};
/// let payment = NewPayment::new(Amount::new(10000)?, Currency::Czk, "order-1")?
///     .description("Two coffees")
///     .return_url("https://shop.example/return")
///     .notification_url("https://shop.example/gopay/notify");
/// assert_eq!(payment.order_number(), "order-1");
/// let empty = NewPayment::new(Amount::new(100)?, Currency::Czk, "").unwrap_err();
/// assert_eq!(empty.to_string(), "invalid request (not sent): order_number: empty");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct NewPayment {
    amount: Amount,
    currency: Currency,
    order_number: String,
    description: Option<String>,
    return_url: Option<String>,
    notification_url: Option<String>,
    payer_email: Option<String>,
}

/// An amount for GoPay, whose amounts are `int64` (at least 1): 2^63 or more is refused
/// before sending, as the sandbox refuses it.
pub(crate) fn int64_amount(
    amount: impl TryInto<Amount, Error: std::fmt::Display>,
) -> Result<Amount> {
    amount
        .try_into()
        .map_err(|e| e.to_string())
        .and_then(|a: Amount| a.within_int64().map_err(|e| e.to_string()))
        .map_err(|e| Error::InvalidRequest(format!("amount: {e}")))
}

impl NewPayment {
    /// `amount` (an [`Amount`] or an integer of minor units, at least 1) in `currency`,
    /// under the merchant's `order_number` (1 to 128 characters).
    pub fn new(
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
        currency: Currency,
        order_number: impl Into<String>,
    ) -> Result<Self> {
        let amount = int64_amount(amount)?;
        let order_number = order_number.into();
        let length = order_number.chars().count();
        if length == 0 {
            return Err(Error::InvalidRequest("order_number: empty".into()));
        }
        if length > ORDER_NUMBER_MAX {
            return Err(Error::InvalidRequest(format!(
                "order_number: longer than {ORDER_NUMBER_MAX} characters"
            )));
        }
        Ok(Self {
            amount,
            currency,
            order_number,
            description: None,
            return_url: None,
            notification_url: None,
            payer_email: None,
        })
    }

    /// The order's description, shown to the payer.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Where the payer returns after the payment gateway or 3-D Secure.
    pub fn return_url(mut self, url: impl Into<String>) -> Self {
        self.return_url = Some(url.into());
        self
    }

    /// Where GoPay sends `GET ?id=<payment id>` on every state change (handle it with
    /// [`crate::Client::handle_notification`]).
    pub fn notification_url(mut self, url: impl Into<String>) -> Self {
        self.notification_url = Some(url.into());
        self
    }

    /// The payer's e-mail address.
    pub fn payer_email(mut self, email: impl Into<String>) -> Self {
        self.payer_email = Some(email.into());
        self
    }

    /// The merchant's order number.
    pub fn order_number(&self) -> &str {
        &self.order_number
    }

    /// The amount.
    pub fn amount(&self) -> Amount {
        self.amount
    }

    /// The request body.
    pub(crate) fn body(self) -> types::builder::CreatePaymentRequest {
        let callback = (self.return_url.is_some() || self.notification_url.is_some()).then_some(
            types::Callback {
                notification_url: self.notification_url,
                return_url: self.return_url,
            },
        );
        let customer = self.payer_email.map(|email| types::Customer {
            email: Some(email),
            ..Default::default()
        });
        types::CreatePaymentRequest::builder()
            .amount(types::Amount(self.amount.get()))
            .currency(self.currency)
            .order_number(self.order_number)
            .order_description(self.description)
            .callback(callback)
            .customer(customer)
    }
}
