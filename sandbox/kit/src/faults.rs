//! Fault injection: added latency, the next N requests failing with a status (and
//! `Retry-After`), and dropping the connection after the state change (the provider did
//! the work but the answer is lost).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One injected failure.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Fault {
    /// The status to answer instead of handling the request.
    pub status: u16,
    /// `Retry-After` seconds to add, if any.
    #[serde(default)]
    pub retry_after: Option<u64>,
}

/// One step of a fault script: what happens to the next request (matching the path
/// filter), in order, before the other faults are looked at.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// Handled and answered as usual.
    Pass,
    /// Answered with this failure, not handled.
    Fail(Fault),
    /// Handled (the state changes), then the connection is dropped without an answer.
    Drop,
}

impl Step {
    /// A seeded random script of up to `len` steps for fault campaigns: lost answers
    /// (the work done), 429 and 503 (with `Retry-After: 0`), 500, and passes, in any
    /// order.
    pub fn random_script(rng: &mut fastrand::Rng, len: usize) -> Vec<Step> {
        (0..rng.usize(0..=len))
            .map(|_| match rng.u8(0..10) {
                0..=2 => Step::Drop,
                3 | 4 => Step::Fail(Fault {
                    status: 429,
                    retry_after: Some(0),
                }),
                5 | 6 => Step::Fail(Fault {
                    status: 503,
                    retry_after: None,
                }),
                7 => Step::Fail(Fault {
                    status: 500,
                    retry_after: None,
                }),
                _ => Step::Pass,
            })
            .collect()
    }
}

#[derive(Debug, Default)]
struct State {
    latency: Duration,
    failures: VecDeque<Fault>,
    drops: u32,
    script: VecDeque<Step>,
    path_filter: Option<String>,
}

/// The faults of one sandbox; cheap to clone, shared with its server.
#[derive(Clone, Debug, Default)]
pub struct Faults(Arc<Mutex<State>>);

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Adds `latency` before every answer.
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// The next `count` requests (matching the path filter, if set) fail with `status`.
    pub fn fail_next(&self, count: usize, status: u16, retry_after: Option<u64>) {
        let mut state = self.lock();
        for _ in 0..count {
            state.failures.push_back(Fault {
                status,
                retry_after,
            });
        }
    }

    /// The next `count` requests that change state are handled, then their connection is
    /// dropped without an answer.
    pub fn drop_after_state_change(&self, count: u32) {
        self.lock().drops += count;
    }

    /// The next requests meet `steps` in order (lost answers, failures and passes in any
    /// order, e.g. drop, then 429, then 503), before any other fault.
    pub fn script(&self, steps: impl IntoIterator<Item = Step>) {
        self.lock().script.extend(steps);
    }

    /// Steps of the script not yet met.
    pub fn script_left(&self) -> usize {
        self.lock().script.len()
    }

    /// Faults apply only to requests whose path starts with `prefix` (None: all).
    pub fn only_for_paths(&self, prefix: Option<String>) {
        self.lock().path_filter = prefix;
    }

    /// Clears every fault.
    pub fn clear(&self) {
        *self.lock() = State::default();
    }

    pub(crate) fn latency(&self) -> Duration {
        self.lock().latency
    }

    fn applies(state: &State, path: &str) -> bool {
        state
            .path_filter
            .as_deref()
            .is_none_or(|prefix| path.starts_with(prefix))
    }

    pub(crate) fn take_step(&self, path: &str) -> Option<Step> {
        let mut state = self.lock();
        if Self::applies(&state, path) {
            state.script.pop_front()
        } else {
            None
        }
    }

    pub(crate) fn take_failure(&self, path: &str) -> Option<Fault> {
        let mut state = self.lock();
        if Self::applies(&state, path) {
            state.failures.pop_front()
        } else {
            None
        }
    }

    pub(crate) fn take_drop(&self, path: &str) -> bool {
        let mut state = self.lock();
        if state.drops > 0 && Self::applies(&state, path) {
            state.drops -= 1;
            true
        } else {
            false
        }
    }
}
