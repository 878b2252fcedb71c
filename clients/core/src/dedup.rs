//! Duplicate deliveries of a notification: providers deliver again until they get a 2xx,
//! for hours, and also after a 2xx that got lost. A handler asks a [`DeliveryLog`] whether
//! a notification id is new before acting on it.
//!
//! [`InMemoryDeliveryLog`] keeps ids for a retention window (default 72 hours, longer than
//! any provider here retries) in bounded memory. A service with several instances plugs
//! in a shared store (a database table with a unique key, Redis `SET NX EX`) by
//! implementing the trait.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::auth::{Clock, SystemClock};

/// Remembers which notification ids were delivered.
pub trait DeliveryLog: Send + Sync {
    /// Records `id`; `true` when it was not delivered within the retention window (act on
    /// it), `false` for a duplicate (answer 2xx and do nothing).
    fn first_delivery(&self, id: &str) -> bool;

    /// Forgets `id`, so that its next delivery counts as the first: call it when acting
    /// on a notification failed after [`DeliveryLog::first_delivery`] said it was new, so
    /// that the provider's retry is not dropped.
    fn forget(&self, id: &str);
}

/// A [`DeliveryLog`] in memory: ids kept for a retention window, at most `capacity` of
/// them (the oldest are forgotten first when it is full).
pub struct InMemoryDeliveryLog {
    retention: Duration,
    capacity: usize,
    clock: Arc<dyn Clock>,
    entries: Mutex<Entries>,
}

#[derive(Default)]
struct Entries {
    /// id -> when it was first delivered.
    seen: HashMap<String, Instant>,
    /// Ids in the order they were first delivered (with that instant), oldest first.
    order: VecDeque<(Instant, String)>,
}

impl fmt::Debug for InMemoryDeliveryLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let held = self
            .entries
            .lock()
            .map(|e| e.seen.len())
            .unwrap_or_default();
        f.debug_struct("InMemoryDeliveryLog")
            .field("retention", &self.retention)
            .field("capacity", &self.capacity)
            .field("held", &held)
            .finish()
    }
}

impl Default for InMemoryDeliveryLog {
    fn default() -> Self {
        Self::new(Duration::from_secs(72 * 3600), 100_000)
    }
}

impl InMemoryDeliveryLog {
    /// Ids kept for `retention`, at most `capacity` of them (at least one).
    pub fn new(retention: Duration, capacity: usize) -> Self {
        Self {
            retention,
            capacity: capacity.max(1),
            clock: Arc::new(SystemClock),
            entries: Mutex::new(Entries::default()),
        }
    }

    /// The same, reading time from `clock` (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How many ids are held now.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .map(|e| e.seen.len())
            .unwrap_or_default()
    }

    /// Whether no id is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Entries {
    /// Drops ids older than `horizon`, and the oldest while more than `capacity` are held.
    fn prune(&mut self, horizon: Option<Instant>, capacity: usize) {
        while let Some((at, id)) = self.order.front() {
            let expired = horizon.is_some_and(|h| *at <= h);
            let current = self.seen.get(id) == Some(at);
            if !current || expired || self.seen.len() > capacity {
                if current {
                    self.seen.remove(id);
                }
                self.order.pop_front();
            } else {
                break;
            }
        }
    }
}

impl DeliveryLog for InMemoryDeliveryLog {
    fn first_delivery(&self, id: &str) -> bool {
        let now = self.clock.now();
        let horizon = now.checked_sub(self.retention);
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.prune(horizon, self.capacity);
        if entries.seen.contains_key(id) {
            return false;
        }
        entries.seen.insert(id.to_string(), now);
        entries.order.push_back((now, id.to_string()));
        entries.prune(horizon, self.capacity);
        true
    }

    fn forget(&self, id: &str) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.seen.remove(id);
    }
}

impl<T: DeliveryLog + ?Sized> DeliveryLog for Arc<T> {
    fn first_delivery(&self, id: &str) -> bool {
        (**self).first_delivery(id)
    }

    fn forget(&self, id: &str) {
        (**self).forget(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ManualClock;

    #[test]
    fn a_second_delivery_is_a_duplicate_until_the_window_ends() {
        let clock = Arc::new(ManualClock::new());
        let log = InMemoryDeliveryLog::new(Duration::from_secs(60), 10).with_clock(clock.clone());
        assert!(log.first_delivery("n-1"));
        assert!(!log.first_delivery("n-1"));
        assert!(log.first_delivery("n-2"));
        clock.advance(Duration::from_secs(59));
        assert!(!log.first_delivery("n-1"), "still within the window");
        clock.advance(Duration::from_secs(2));
        assert!(log.first_delivery("n-1"), "the window has passed");
        assert_eq!(log.len(), 1, "n-2 expired too");
    }

    #[test]
    fn a_forgotten_id_counts_as_new_and_memory_is_bounded() {
        let log = InMemoryDeliveryLog::new(Duration::from_secs(3600), 3);
        assert!(log.first_delivery("a"));
        log.forget("a");
        assert!(
            log.first_delivery("a"),
            "acting on it failed: the retry is processed"
        );
        for id in ["b", "c", "d", "e"] {
            assert!(log.first_delivery(id));
        }
        assert_eq!(log.len(), 3, "at most the capacity");
        assert!(log.first_delivery("a"), "the oldest was forgotten first");
        assert!(!log.first_delivery("e"));
    }

    #[test]
    fn one_log_shared_by_threads_lets_one_delivery_through() {
        let log = Arc::new(InMemoryDeliveryLog::default());
        let firsts: usize = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    let log = log.clone();
                    scope.spawn(move || usize::from(log.first_delivery("same")))
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
        });
        assert_eq!(firsts, 1);
    }
}
