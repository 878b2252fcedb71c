//! Inputs of the calls that take more than an id: validated against the spec before
//! anything is sent.

use std::num::NonZeroU32;

use chrono::{DateTime, Utc};
use payspec_mobilepay_api::open_enums::{PaymentState, WebhookEventType};
use payspec_mobilepay_api::types;
use uuid::Uuid;

use crate::error::{Error, Result};
use payspec_core::Amount;

/// Parses an id the API wants as a UUID.
pub(crate) fn uuid(field: &str, value: &str) -> Result<Uuid> {
    Uuid::parse_str(value.trim())
        .map_err(|_| Error::invalid(format!("{field} must be a UUID, got `{value}`")))
}

/// An amount as the caller gave it (an [`Amount`] or an integer), checked when the
/// request is sent.
pub(crate) type GivenAmount = std::result::Result<Amount, String>;

/// `value` as a [`GivenAmount`].
pub(crate) fn given(value: impl TryInto<Amount, Error: std::fmt::Display>) -> GivenAmount {
    value.try_into().map_err(|e| e.to_string())
}

/// An amount in minor units: at least 1, at most the API's int32 maximum.
pub(crate) fn amount(value: &GivenAmount) -> Result<types::Amount> {
    let refused = |reason: String| Error::invalid(format!("amount: {reason}"));
    let amount = value.clone().map_err(refused)?;
    let capped = amount
        .at_most(i32::MAX.unsigned_abs().into())
        .map_err(|e| refused(e.to_string()))?;
    let checked = u32::try_from(capped)
        .ok()
        .and_then(NonZeroU32::new)
        .ok_or_else(|| refused(format!("{capped} is not 1..={}", i32::MAX)))?;
    Ok(types::Amount(checked))
}

fn conversion<T>(result: std::result::Result<T, types::error::ConversionError>) -> Result<T> {
    result.map_err(|e| Error::invalid(e.to_string()))
}

/// `value` as the spec's type for `field`, or an error that names the field.
fn field<T, V>(field: &str, value: V) -> Result<T>
where
    V: TryInto<T>,
    V::Error: std::fmt::Display,
{
    payspec_core::field_value(field, value).map_err(Error::invalid)
}

/// A payment to initiate: the required fields checked when it is built, the optional ones
/// when it is sent.
///
/// ```
/// use payspec_mobilepay::{Amount, NewPayment};
/// let point = "186d2b31-ff25-4414-9fd1-bfe9807fa8b7";
/// let payment = NewPayment::new(Amount::new(1250)?, point, "myapp://done", "order-1")?
///     .description("Two coffees");
/// assert!(NewPayment::new(u64::MAX, point, "myapp://done", "order-1").is_err()); // > int32
/// assert!(NewPayment::new(1250, "point-7", "myapp://done", "order-1").is_err()); // not a UUID
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct NewPayment {
    amount: types::Amount,
    payment_point_id: Uuid,
    redirect_uri: types::InitiatePaymentRequestRedirectUri,
    reference: types::Reference,
    description: Option<String>,
    customer_phone_number: Option<String>,
    idempotency_key: Option<Uuid>,
}

impl NewPayment {
    /// `amount` (an [`Amount`], or an integer of minor units: 1 to the API's int32
    /// maximum), the payment point (a UUID, as a [`Uuid`] or text), where the app sends
    /// the user afterwards (<= 2000 characters) and your reference (<= 64 characters);
    /// each is checked here and an error names the field.
    pub fn new(
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
        payment_point_id: impl std::fmt::Display,
        redirect_uri: impl Into<String>,
        reference: impl Into<String>,
    ) -> Result<Self> {
        Ok(Self {
            amount: self::amount(&given(amount))?,
            payment_point_id: uuid("payment_point_id", &payment_point_id.to_string())?,
            redirect_uri: field("redirect_uri", redirect_uri.into())?,
            reference: field("reference", reference.into())?,
            description: None,
            customer_phone_number: None,
            idempotency_key: None,
        })
    }

    /// Text shown in the app (<= 200 characters; the facade truncates at 100).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// The customer's international phone number, to prefill dual-device flows (<= 15).
    pub fn customer_phone_number(mut self, phone: impl Into<String>) -> Self {
        self.customer_phone_number = Some(phone.into());
        self
    }

    /// Your own idempotency key (default: a fresh one per call).
    pub fn idempotency_key(mut self, key: Uuid) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    pub(crate) fn key(&self) -> Option<Uuid> {
        self.idempotency_key
    }

    pub(crate) fn into_body(self, key: Uuid) -> Result<types::InitiatePaymentRequest> {
        let body = types::InitiatePaymentRequest::builder()
            .amount(self.amount)
            .idempotency_key(key)
            .payment_point_id(self.payment_point_id)
            .redirect_uri(self.redirect_uri)
            .reference(self.reference)
            .description(description(self.description)?)
            .customer_phone_number(optional(
                "customer_phone_number",
                self.customer_phone_number,
            )?);
        conversion(body.try_into())
    }
}

fn optional<T>(name: &str, value: Option<String>) -> Result<Option<T>>
where
    T: TryFrom<String>,
    T::Error: std::fmt::Display,
{
    value.map(|v| field(name, v)).transpose()
}

/// `None` leaves the field out; a given text is checked against the 200-character limit.
fn description(value: Option<String>) -> Result<Option<types::Description>> {
    Ok(optional::<types::DescriptionInner>("description", value)?
        .map(|inner| types::Description(Some(inner))))
}

/// A refund to issue: the required fields checked when it is built.
#[derive(Clone, Debug)]
pub struct NewRefund {
    payment_id: Uuid,
    amount: types::Amount,
    reference: types::Reference,
    description: Option<String>,
    idempotency_key: Option<Uuid>,
}

impl NewRefund {
    /// Refunds `amount` (an [`Amount`], or an integer of minor units: 1 to the API's
    /// int32 maximum) of a captured payment (its id, a UUID, as a [`Uuid`] or text), with
    /// your reference (<= 64 characters); each is checked here.
    pub fn new(
        payment_id: impl std::fmt::Display,
        amount: impl TryInto<Amount, Error: std::fmt::Display>,
        reference: impl Into<String>,
    ) -> Result<Self> {
        Ok(Self {
            payment_id: uuid("payment_id", &payment_id.to_string())?,
            amount: self::amount(&given(amount))?,
            reference: field("reference", reference.into())?,
            description: None,
            idempotency_key: None,
        })
    }

    /// Text shown to the customer (<= 200 characters).
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Your own idempotency key (default: a fresh one per call).
    pub fn idempotency_key(mut self, key: Uuid) -> Self {
        self.idempotency_key = Some(key);
        self
    }

    pub(crate) fn key(&self) -> Option<Uuid> {
        self.idempotency_key
    }

    pub(crate) fn into_body(self, key: Uuid) -> Result<types::IssueRefundRequest> {
        let body = types::IssueRefundRequest::builder()
            .payment_id(self.payment_id)
            .amount(self.amount)
            .reference(self.reference)
            .idempotency_key(key)
            .description(description(self.description)?);
        conversion(body.try_into())
    }
}

/// Items per page of a list call: 1 to 1000 (the API's default is 100).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageSize(NonZeroU32);

impl PageSize {
    /// The API's default, 100.
    pub const DEFAULT: PageSize = PageSize(NonZeroU32::MIN.saturating_add(99));

    /// A page size, checked against 1..=1000.
    pub fn new(size: u32) -> Result<Self> {
        NonZeroU32::new(size)
            .filter(|s| s.get() <= 1000)
            .map(Self)
            .ok_or_else(|| Error::invalid(format!("page size must be 1..=1000, got {size}")))
    }

    pub(crate) fn get(self) -> NonZeroU32 {
        self.0
    }
}

impl Default for PageSize {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Which payments to list.
#[derive(Clone, Debug, Default)]
pub struct PaymentFilter {
    pub(crate) payment_point_id: Option<String>,
    pub(crate) states: Vec<PaymentState>,
    pub(crate) start: Option<DateTime<Utc>>,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) page_size: PageSize,
}

impl PaymentFilter {
    /// All the merchant's payments, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this payment point's payments.
    pub fn payment_point(mut self, id: impl Into<String>) -> Self {
        self.payment_point_id = Some(id.into());
        self
    }

    /// Only payments in one of these states.
    pub fn states(mut self, states: impl IntoIterator<Item = PaymentState>) -> Self {
        self.states = states.into_iter().collect();
        self
    }

    /// Only payments initiated at or after `start`.
    pub fn start(mut self, start: DateTime<Utc>) -> Self {
        self.start = Some(start);
        self
    }

    /// Only payments initiated at or before `end`.
    pub fn end(mut self, end: DateTime<Utc>) -> Self {
        self.end = Some(end);
        self
    }

    /// Items fetched per request.
    pub fn page_size(mut self, size: PageSize) -> Self {
        self.page_size = size;
        self
    }
}

/// Which refunds to list.
#[derive(Clone, Debug, Default)]
pub struct RefundFilter {
    pub(crate) payment_id: Option<String>,
    pub(crate) payment_point_id: Option<String>,
    pub(crate) created_before: Option<DateTime<Utc>>,
    pub(crate) created_after: Option<DateTime<Utc>>,
    pub(crate) page_size: PageSize,
}

impl RefundFilter {
    /// All the merchant's refunds, 100 per page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only this payment's refunds.
    pub fn payment(mut self, id: impl Into<String>) -> Self {
        self.payment_id = Some(id.into());
        self
    }

    /// Only this payment point's refunds.
    pub fn payment_point(mut self, id: impl Into<String>) -> Self {
        self.payment_point_id = Some(id.into());
        self
    }

    /// Only refunds created before `at`.
    pub fn created_before(mut self, at: DateTime<Utc>) -> Self {
        self.created_before = Some(at);
        self
    }

    /// Only refunds created after `at`.
    pub fn created_after(mut self, at: DateTime<Utc>) -> Self {
        self.created_after = Some(at);
        self
    }

    /// Items fetched per request.
    pub fn page_size(mut self, size: PageSize) -> Self {
        self.page_size = size;
        self
    }
}

/// A webhook subscription to create or update.
#[derive(Clone, Debug)]
pub struct WebhookSubscription {
    pub(crate) url: String,
    pub(crate) events: Vec<WebhookEventType>,
    pub(crate) payment_point_id: Option<String>,
}

impl WebhookSubscription {
    /// Notifications of `events` sent to `url`.
    pub fn new(url: impl Into<String>, events: impl IntoIterator<Item = WebhookEventType>) -> Self {
        Self {
            url: url.into(),
            events: events.into_iter().collect(),
            payment_point_id: None,
        }
    }

    /// Only for this payment point (on creation).
    pub fn payment_point(mut self, id: impl Into<String>) -> Self {
        self.payment_point_id = Some(id.into());
        self
    }
}
