//! What can be done with a payment in each of its states.

pub use payspec_mobilepay_api::open_enums::PaymentState;

/// Helpers on [`PaymentState`] (the seven documented states plus `Unknown`).
pub trait PaymentStateExt {
    /// `reserved`: the only state a capture is accepted in.
    fn can_capture(&self) -> bool;
    /// `initiated` or `reserved`: the states a cancel is accepted in.
    fn can_cancel(&self) -> bool;
    /// `captured` or one of the three cancelled states: nothing will change any more.
    /// (`captureStarted` is not final.) An unknown state is not assumed final.
    fn is_final(&self) -> bool;
    /// One of the three cancelled states.
    fn is_cancelled(&self) -> bool;
}

impl PaymentStateExt for PaymentState {
    fn can_capture(&self) -> bool {
        matches!(self, Self::Reserved)
    }

    fn can_cancel(&self) -> bool {
        matches!(self, Self::Initiated | Self::Reserved)
    }

    fn is_final(&self) -> bool {
        matches!(self, Self::Captured) || self.is_cancelled()
    }

    fn is_cancelled(&self) -> bool {
        matches!(
            self,
            Self::CancelledByMerchant | Self::CancelledByUser | Self::CancelledBySystem
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seven_states() {
        use PaymentState as S;
        let table = [
            (S::Initiated, false, true, false),
            (S::Reserved, true, true, false),
            (S::CaptureStarted, false, false, false),
            (S::Captured, false, false, true),
            (S::CancelledByMerchant, false, false, true),
            (S::CancelledByUser, false, false, true),
            (S::CancelledBySystem, false, false, true),
            (S::Unknown("refunded".into()), false, false, false),
        ];
        for (state, capture, cancel, last) in table {
            assert_eq!(state.can_capture(), capture, "{state}");
            assert_eq!(state.can_cancel(), cancel, "{state}");
            assert_eq!(state.is_final(), last, "{state}");
        }
    }
}
