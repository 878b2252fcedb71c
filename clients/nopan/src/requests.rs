//! Requests built the way a merchant thinks of them: the required fields as arguments,
//! checked when the request is built (an error names the field), the optional ones as
//! setters; the client fills what it knows (the processing account id).

use payspec_core::Amount;
use payspec_nopan_api::open_enums::{ProviderId, TransactionType};
use payspec_nopan_api::types;

use crate::{Error, Result};

/// A payment to initiate ([`crate::Client::initiate`]).
///
/// ```
/// use payspec_nopan::{Amount, NewPayment};
/// let payment = NewPayment::blik("order-123", Amount::new(100)?, "123456")?
///     .description("Two coffees");
/// assert!(NewPayment::blik("order-123", Amount::new(100)?, "12345").is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct NewPayment {
    reference: types::ClientTransactionId,
    amount: Amount,
    currency: types::PaymentDetailsRequestCurrency,
    provider: ProviderId,
    transaction_type: TransactionType,
    one_time_code: Option<types::PayerDetailsRequestOneTimeCode>,
    return_url: Option<types::InitiatePaymentRequestReturnUrl>,
    description: Option<String>,
    auto_capture: Option<bool>,
    idempotency_key: Option<String>,
}

/// `value` as the spec's type for `field`, or an error that names the field.
fn field<T, V>(field: &str, value: V) -> Result<T>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    payspec_core::field_value(field, value).map_err(Error::InvalidRequest)
}

impl NewPayment {
    /// A one-time payment of `amount` in `currency` (ISO 4217, e.g. `PLN`) with
    /// `provider`, under the merchant's `reference` (Nopan's `clientTransactionId`, not
    /// empty: captures and refunds repeat it).
    pub fn new(
        reference: impl Into<String>,
        amount: Amount,
        currency: &str,
        provider: ProviderId,
    ) -> Result<Self> {
        Ok(Self {
            reference: field("reference", reference.into())?,
            amount,
            currency: field("currency", currency)?,
            provider,
            transaction_type: TransactionType::OneTime,
            one_time_code: None,
            return_url: None,
            description: None,
            auto_capture: None,
            idempotency_key: None,
        })
    }

    /// A BLIK payment in PLN with the payer's six-digit one-time code.
    pub fn blik(reference: impl Into<String>, amount: Amount, one_time_code: &str) -> Result<Self> {
        let mut payment = Self::new(reference, amount, "PLN", ProviderId::Blik)?;
        payment.one_time_code = Some(field("one_time_code", one_time_code)?);
        Ok(payment)
    }

    /// Where Nopan sends the payer back after a redirect (the published spec requires
    /// it for redirect methods; BLIK with a code needs none).
    pub fn return_url(mut self, url: &str) -> Result<Self> {
        self.return_url = Some(field("return_url", url)?);
        Ok(self)
    }

    /// The payer's one-time code, for methods that take one.
    pub fn one_time_code(mut self, code: &str) -> Result<Self> {
        self.one_time_code = Some(field("one_time_code", code)?);
        Ok(self)
    }

    /// A description shown to the payer.
    pub fn description(mut self, text: impl Into<String>) -> Self {
        self.description = Some(text.into());
        self
    }

    /// Whether Nopan captures on approval.
    pub fn auto_capture(mut self, yes: bool) -> Self {
        self.auto_capture = Some(yes);
        self
    }

    /// Another transaction type than one-time.
    pub fn transaction_type(mut self, kind: TransactionType) -> Self {
        self.transaction_type = kind;
        self
    }

    /// The idempotency key to send (default: one made by the client, the same on every
    /// retry). Choose one to repeat a call whose outcome is unknown.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// The merchant's reference.
    pub fn reference(&self) -> &str {
        self.reference.as_str()
    }

    /// The key chosen with [`NewPayment::idempotency_key`], if any.
    pub(crate) fn chosen_key(&self) -> Option<&str> {
        self.idempotency_key.as_deref()
    }

    /// The request body, for the processing account `account`.
    pub(crate) fn body(self, account: &str) -> types::builder::InitiatePaymentRequest {
        let mut details = types::PaymentDetailsRequest::builder()
            .amount(types::RequestAmount(self.amount.get()))
            .currency(self.currency)
            .auto_capture(self.auto_capture);
        if let Some(text) = self.description {
            details = details.description(Some(text));
        }
        let mut body = types::InitiatePaymentRequest::builder()
            .processing_account_id(account)
            .client_transaction_id(self.reference)
            .transaction_type(self.transaction_type)
            .payment_details(details)
            .provider_details(types::ProviderDetailsRequest::builder().provider_id(self.provider))
            .payer_details(types::PayerDetailsRequest::builder().one_time_code(self.one_time_code));
        if let Some(url) = self.return_url {
            body = body.return_url(Some(url));
        }
        body
    }
}
