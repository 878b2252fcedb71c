//! `Transaction`: a payment result with its code and class read.

use payspec_eastpay_api::types;

use crate::money::Money;
use crate::redirect::Redirect;
use crate::result_code::{ResultClass, ResultCode};

/// A payment result as the gateway answered it, with its result code parsed and
/// classified. A decline (HTTP 400 with a rejection code) is a `Transaction` too: a
/// business outcome, not a transport error.
#[derive(Clone, Debug)]
pub struct Transaction {
    result: types::PaymentResult,
    code: Option<ResultCode>,
    class: ResultClass,
    status: u16,
}

impl Transaction {
    pub(crate) fn new(result: types::PaymentResult, status: u16) -> Self {
        let code = result
            .result
            .as_ref()
            .and_then(|r| r.code.as_deref())
            .and_then(|c| c.parse::<ResultCode>().ok());
        let class = code.map_or(ResultClass::Unknown, |c| c.class());
        Self {
            result,
            code,
            class,
            status,
        }
    }

    /// The payment result, every field as sent.
    pub fn result(&self) -> &types::PaymentResult {
        &self.result
    }

    /// The gateway's id of the payment or checkout.
    pub fn id(&self) -> Option<&str> {
        self.result.id.as_deref()
    }

    /// The stored card's token (`registrationId`), when the payment asked for one with
    /// `create_registration(true)`.
    pub fn registration_id(&self) -> Option<&str> {
        self.result.registration_id.as_deref()
    }

    /// The result code, when it is well formed.
    pub fn code(&self) -> Option<ResultCode> {
        self.code
    }

    /// The result's description.
    pub fn description(&self) -> Option<&str> {
        self.result.result.as_ref()?.description.as_deref()
    }

    /// The class of the result code (`Unknown` when there is none or it is malformed).
    pub fn class(&self) -> ResultClass {
        self.class
    }

    /// The HTTP status it came with (200, or 400 for a decline).
    pub fn http_status(&self) -> u16 {
        self.status
    }

    /// Approved (with or without manual review).
    pub fn is_success(&self) -> bool {
        self.class.is_success()
    }

    /// Pending: wait for the notification or query again later.
    pub fn is_pending(&self) -> bool {
        self.class.is_pending()
    }

    /// Declined: neither approved nor pending.
    pub fn is_declined(&self) -> bool {
        !self.is_success() && !self.is_pending()
    }

    /// The redirect the shopper must follow (3-D Secure), if any.
    pub fn redirect(&self) -> Option<Redirect> {
        Redirect::from_result(&self.result)
    }

    /// The amount, read from the decimal string with the currency's exponent.
    pub fn amount(&self) -> Option<Money> {
        Money::parse(
            self.result.amount.as_deref()?,
            self.result.currency.as_deref()?,
        )
        .ok()
    }
}
