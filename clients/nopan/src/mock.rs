//! Typed builder for Nopan's sandbox mocks (`POST /mock/set`), for your own tests.
//!
//! ```
//! use payspec_nopan::mock::{Mock, MockedPayment, Step};
//!
//! // The sandbox fills the transaction id; every field of a mocked step is optional.
//! let approved: MockedPayment = serde_json::from_value(serde_json::json!({
//!     "status": "APPROVED",
//!     "statusInfo": { "reasonCode": "-1", "message": "Awaiting user consent" }
//! })).unwrap();
//! let mock = Mock::client_transaction_id("order123").step(Step::Initiate, approved).one_time();
//! # let _ = mock;
//! ```

use payspec_nopan_api::open_enums::{MockKeyType, MockScenario, MockType};
use payspec_nopan_api::types;
/// A payment as a mocked step answers it (every field optional).
pub use payspec_nopan_api::types::MockedPayment;

use crate::error::{Error, Result};

/// A payment step a mock can answer for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// `initiate`
    Initiate,
    /// `finalize`
    Finalize,
    /// `capture`
    Capture,
    /// `cancel`
    Cancel,
    /// `refund`
    Refund,
    /// `charge`
    Charge,
}

/// A mock: which requests it matches, how it answers, for which steps.
#[derive(Clone, Debug)]
pub struct Mock {
    key_type: MockKeyType,
    key: String,
    mode: MockType,
    one_time: bool,
    scenario: Option<MockScenario>,
    steps: types::MockSteps,
}

impl Mock {
    fn new(key_type: MockKeyType, key: impl Into<String>) -> Self {
        Self {
            key_type,
            key: key.into(),
            mode: MockType::Mock,
            one_time: false,
            scenario: None,
            steps: types::MockSteps::default(),
        }
    }

    /// Matches requests with this `clientTransactionId`.
    pub fn client_transaction_id(id: impl Into<String>) -> Self {
        Self::new(MockKeyType::ClientTransactionId, id)
    }

    /// Matches requests with this `payerId`.
    pub fn payer_id(id: impl Into<String>) -> Self {
        Self::new(MockKeyType::PayerId, id)
    }

    /// Lets matching requests through to the simulated provider (`PASSTHROUGH`).
    pub fn passthrough(mut self) -> Self {
        self.mode = MockType::Passthrough;
        self
    }

    /// Deletes the mock of a step after one call.
    pub fn one_time(mut self) -> Self {
        self.one_time = true;
        self
    }

    /// A canned outcome (`OK`, `INSUFFICIENT_FUNDS`).
    pub fn scenario(mut self, scenario: MockScenario) -> Self {
        self.scenario = Some(scenario);
        self
    }

    /// Answers `step` with `payment`.
    pub fn step(mut self, step: Step, payment: MockedPayment) -> Self {
        let slot = match step {
            Step::Initiate => &mut self.steps.initiate,
            Step::Finalize => &mut self.steps.finalize,
            Step::Capture => &mut self.steps.capture,
            Step::Cancel => &mut self.steps.cancel,
            Step::Refund => &mut self.steps.refund,
            Step::Charge => &mut self.steps.charge,
        };
        *slot = Some(payment);
        self
    }

    /// The request body for `processing_account_id`, validated.
    pub fn into_request(self, processing_account_id: &str) -> Result<types::SetMockRequest> {
        types::SetMockRequest::builder()
            .processing_account_id(processing_account_id)
            .key(
                types::MockKey::builder()
                    .type_(self.key_type)
                    .value(self.key),
            )
            .type_(self.mode)
            .one_time(Some(self.one_time))
            .scenario(self.scenario)
            .steps(Some(self.steps))
            .try_into()
            .map_err(|e: types::error::ConversionError| Error::InvalidRequest(e.to_string()))
    }
}
