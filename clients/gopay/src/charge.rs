//! Charges: the three instruments as one typed request, and what the answer asks of
//! the merchant next (3-D Secure or not).

use payspec_gopay_api::open_enums::{ChallengePreference, ChargeState, ThreeDsState};
use payspec_gopay_api::types;

use crate::error::{Error, Result};

/// How the payer pays: exactly one of the three instruments.
#[derive(Clone, Debug)]
pub enum Instrument {
    /// A card token from [`crate::Client::tokenize_card`].
    Card {
        /// The card token.
        token: String,
        /// Whether to ask for a 3-D Secure challenge (default: GoPay decides).
        challenge: Option<ChallengePreference>,
    },
    /// A Google Pay payment token, as Google Pay returns it.
    GooglePay(types::GooglePayPayload),
    /// An Apple Pay payment token's `paymentData`.
    ApplePay(types::ApplePayPayload),
}

impl Instrument {
    /// A card token with GoPay's default challenge preference.
    pub fn card(token: impl Into<String>) -> Self {
        Self::Card {
            token: token.into(),
            challenge: None,
        }
    }

    pub(crate) fn into_request(self, return_url: Option<String>) -> Result<types::ChargeRequest> {
        let invalid = |e: types::error::ConversionError| Error::InvalidRequest(e.to_string());
        Ok(match self {
            Self::Card { token, challenge } => {
                let payload = types::CardChargePayload::builder()
                    .card_token(token)
                    .challenge_preference(challenge);
                types::ChargeRequest::CardCharge(
                    types::CardCharge::builder()
                        .type_(types::CardChargeType::PaymentCard)
                        .payload(payload)
                        .return_url(return_url)
                        .try_into()
                        .map_err(invalid)?,
                )
            }
            Self::GooglePay(payload) => {
                types::ChargeRequest::GooglePayCharge(types::GooglePayCharge {
                    type_: types::GooglePayChargeType::GooglePay,
                    payload,
                    return_url,
                })
            }
            Self::ApplePay(payload) => {
                types::ChargeRequest::ApplePayCharge(types::ApplePayCharge {
                    type_: types::ApplePayChargeType::ApplePay,
                    payload,
                    return_url,
                })
            }
        })
    }
}

/// What a charge's answer asks of the merchant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// Send the payer to `action_url` (3-D Secure challenge), then check the payment.
    RedirectPayer {
        /// Where to send the payer.
        action_url: String,
        /// The 3-D Secure state, when GoPay gave one.
        three_ds: Option<ThreeDsState>,
    },
    /// Nothing to do for the payer; GoPay is still working (poll or wait for the
    /// notification).
    Wait,
    /// The charge succeeded.
    Done,
    /// The charge failed.
    Failed,
    /// A state this version does not know; check the payment.
    Unknown(String),
}

/// Helpers on a charge answer.
pub trait ChargeExt {
    /// What to do next.
    fn next_step(&self) -> NextStep;
    /// The 3-D Secure state, if any.
    fn three_ds_state(&self) -> Option<&ThreeDsState>;
}

impl ChargeExt for types::Charge {
    fn next_step(&self) -> NextStep {
        // The seed's `action_url`, or the published revision's `action.redirect_url`.
        let redirect = self.action_url.as_ref().or_else(|| {
            self.action
                .as_ref()
                .and_then(|action| action.redirect_url.as_ref())
        });
        match (&self.state, redirect) {
            (Some(ChargeState::ActionRequired), Some(url)) => NextStep::RedirectPayer {
                action_url: url.clone(),
                three_ds: self.three_ds_state().cloned(),
            },
            (Some(ChargeState::ActionRequired), None) => NextStep::Unknown(
                "ACTION_REQUIRED without action_url or action.redirect_url".into(),
            ),
            (Some(ChargeState::Requested | ChargeState::Processing), _) => NextStep::Wait,
            (Some(ChargeState::Succeeded), _) => NextStep::Done,
            (Some(ChargeState::Failed), _) => NextStep::Failed,
            (Some(ChargeState::Unknown(other)), _) => NextStep::Unknown(other.clone()),
            (None, _) => NextStep::Unknown("no state".into()),
        }
    }

    fn three_ds_state(&self) -> Option<&ThreeDsState> {
        self.payment_instrument
            .as_ref()?
            .x3ds
            .as_ref()?
            .auth_state
            .as_ref()
    }
}

/// What a published-API charge ([`crate::Client::charge_card`]) pays with.
#[derive(Clone, Debug)]
pub enum CardInput {
    /// A card token from [`crate::Client::tokenize_card`] (`CARD_TOKEN`).
    Token(String),
    /// The card itself, encrypted to GoPay's key ([`crate::CardData::encrypt`];
    /// `ENCRYPTED_CARD`).
    Encrypted(crate::jwe::Jwe),
}

impl CardInput {
    pub(crate) fn into_request(
        self,
        browser: types::BrowserData,
        challenge: Option<ChallengePreference>,
    ) -> Result<types::PaymentChargeInput> {
        let input = match self {
            Self::Token(token) => types::CardInput::CardTokenInput(types::CardTokenInput {
                input_type: types::CardTokenInputInputType::CardToken,
                card_token: token
                    .try_into()
                    .map_err(|e| Error::InvalidRequest(format!("card_token: {e}")))?,
            }),
            Self::Encrypted(jwe) => {
                types::CardInput::EncryptedCardInput(types::EncryptedCardInput {
                    input_type: types::EncryptedCardInputInputType::EncryptedCard,
                    payload: jwe
                        .as_str()
                        .to_string()
                        .try_into()
                        .map_err(|e| Error::InvalidRequest(format!("payload: {e}")))?,
                })
            }
        };
        Ok(types::PaymentChargeInput {
            payment_instrument: types::PaymentCardChargeData {
                payment_instrument: types::PaymentCardChargeDataPaymentInstrument::PaymentCard,
                input,
                browser_data: browser,
                challenge_preference: challenge,
            },
        })
    }
}
