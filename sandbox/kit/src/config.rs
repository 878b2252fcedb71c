//! What every sandbox starts from ([`Config`]: port, seed, clock, token lifetime, webhook
//! secret), the clock it reads ([`Clock`]), the ids it makes ([`Ids`]) and what a test
//! reads back of its state ([`State`]).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How a sandbox starts; the same for every provider.
///
/// ```
/// use payspec_sandbox::{Clock, Config};
/// let clock = Clock::manual(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_800_000_000));
/// let config = Config::default().seed(7).clock(clock.clone());
/// assert_eq!(config.port, 0);
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Config {
    /// The port on 127.0.0.1 (0, the default: a free one).
    pub port: u16,
    /// Makes ids, tokens and secrets the same on every run (`None`: random).
    pub seed: Option<u64>,
    /// The time the sandbox reads: token expiry, timestamps in answers.
    pub clock: Clock,
    /// How long issued tokens live (`None`: the provider's documented lifetime).
    pub token_lifetime: Option<Duration>,
    /// The secret webhooks are signed (or, for EastPay, encrypted) with (`None`: the
    /// provider sandbox's own; EastPay then sends plain notifications).
    pub webhook_secret: Option<String>,
    /// Where the state is kept across restarts (`None`: in memory only).
    pub state_file: Option<crate::StateFile>,
}

impl Config {
    /// Listens on `port` (0: a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Makes ids, tokens and secrets reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Reads time from `clock` (e.g. a [`Clock::manual`] a test moves forward).
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Issues tokens living `lifetime`.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.token_lifetime = Some(lifetime);
        self
    }

    /// Signs (EastPay: encrypts) webhooks with `secret`.
    pub fn webhook_secret(mut self, secret: impl Into<String>) -> Self {
        self.webhook_secret = Some(secret.into());
        self
    }

    /// Keeps the state in `path` under the name `sandbox` (several sandboxes can share
    /// a file): a sandbox started again on it has every payment, token and id it had.
    pub fn state_file(mut self, path: impl Into<std::path::PathBuf>, sandbox: &str) -> Self {
        self.state_file = Some(crate::StateFile::new(path, sandbox));
        self
    }

    /// The ids this configuration makes. With a state file, its recorded seed (so a
    /// replay makes the same ids); a file that cannot be written is reported and the
    /// sandbox runs on [`Config::seed`].
    pub fn ids(&self) -> Ids {
        match &self.state_file {
            None => Ids::new(self.seed),
            Some(state) => match crate::journal::seed(state, self.seed) {
                Ok(seed) => Ids::new(Some(seed)),
                Err(e) => {
                    eprintln!(
                        "payspec sandbox: cannot keep state in {}: {e}",
                        state.path.display()
                    );
                    Ids::new(self.seed)
                }
            },
        }
    }
}

/// The time a sandbox reads: the system's, or one a test sets and moves.
#[derive(Clone, Default)]
pub struct Clock {
    manual: Option<Arc<Mutex<SystemTime>>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.manual {
            None => f.write_str("Clock::system"),
            Some(_) => write!(f, "Clock::manual({:?})", self.now()),
        }
    }
}

impl Clock {
    /// The system's time (the default).
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock standing at `start` until [`Clock::advance`] or [`Clock::set`] moves it.
    pub fn manual(start: SystemTime) -> Self {
        Self {
            manual: Some(Arc::new(Mutex::new(start))),
        }
    }

    /// Now.
    pub fn now(&self) -> SystemTime {
        match &self.manual {
            None => SystemTime::now(),
            Some(time) => *time.lock().unwrap_or_else(PoisonError::into_inner),
        }
    }

    /// Moves a manual clock forward by `by` (saturating); a system clock ignores it.
    pub fn advance(&self, by: Duration) {
        if let Some(time) = &self.manual {
            let mut time = time.lock().unwrap_or_else(PoisonError::into_inner);
            *time = time.checked_add(by).unwrap_or(*time);
        }
    }

    /// Sets a manual clock to `to`; a system clock ignores it.
    pub fn set(&self, to: SystemTime) {
        if let Some(time) = &self.manual {
            *time.lock().unwrap_or_else(PoisonError::into_inner) = to;
        }
    }

    /// `now + by`, saturating at `now`.
    pub fn after(&self, by: Duration) -> SystemTime {
        let now = self.now();
        now.checked_add(by).unwrap_or(now)
    }

    /// Milliseconds since the Unix epoch (0 before it).
    pub fn unix_millis(&self) -> i64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0)
    }

    /// Seconds since the Unix epoch (0 before it).
    pub fn unix_seconds(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Now in RFC 3339 (UTC, seconds).
    pub fn rfc3339(&self) -> String {
        self.utc()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    }

    /// Now as a UTC date-time.
    pub fn utc(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::<chrono::Utc>::from(self.now())
    }
}

/// The ids, tokens and secrets a sandbox makes: random, or the same sequence on every
/// run for a seed.
#[derive(Clone)]
pub struct Ids {
    rng: Arc<Mutex<fastrand::Rng>>,
}

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ids")
    }
}

impl Ids {
    /// Random ids, or a reproducible sequence for `seed`.
    pub fn new(seed: Option<u64>) -> Self {
        let rng = match seed {
            Some(seed) => fastrand::Rng::with_seed(seed),
            None => fastrand::Rng::new(),
        };
        Self {
            rng: Arc::new(Mutex::new(rng)),
        }
    }

    /// `bytes` random bytes.
    pub fn bytes(&self, bytes: usize) -> Vec<u8> {
        let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
        (0..bytes).map(|_| rng.u8(..)).collect()
    }

    /// `bytes` random bytes as lower-case hex.
    pub fn hex(&self, bytes: usize) -> String {
        self.bytes(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A version-4 UUID.
    pub fn uuid(&self) -> uuid::Uuid {
        let mut raw = [0u8; 16];
        raw.copy_from_slice(&self.bytes(16));
        uuid::Builder::from_random_bytes(raw).into_uuid()
    }

    /// A number in `range`.
    pub fn u64(&self, range: std::ops::Range<u64>) -> u64 {
        if range.is_empty() {
            return range.start;
        }
        self.rng
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .u64(range)
    }
}

/// One payment as a test reads it back from any sandbox.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct PaymentRecord {
    /// The provider's id of the payment.
    pub id: String,
    /// The merchant's reference (order number, client transaction id, reference).
    pub reference: String,
    /// The provider's state name, as its API spells it.
    pub state: String,
    /// The amount in minor units.
    pub amount: i64,
    /// The ISO 4217 currency code.
    pub currency: String,
}

impl PaymentRecord {
    /// A record.
    pub fn new(
        id: impl Into<String>,
        reference: impl Into<String>,
        state: impl Into<String>,
        amount: i64,
        currency: impl Into<String>,
    ) -> Self {
        Self {
            id: id.into(),
            reference: reference.into(),
            state: state.into(),
            amount,
            currency: currency.into(),
        }
    }
}

/// What a sandbox holds, for tests: the same shape for every provider.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct State {
    /// Every payment, sorted by reference.
    pub payments: Vec<PaymentRecord>,
}

impl State {
    /// The state of `payments`, sorted by reference then id.
    pub fn new(mut payments: Vec<PaymentRecord>) -> Self {
        payments.sort_by(|a, b| (&a.reference, &a.id).cmp(&(&b.reference, &b.id)));
        Self { payments }
    }

    /// Every merchant reference, sorted: what a test checks for duplicates and for
    /// payments its client lost track of.
    pub fn references(&self) -> Vec<String> {
        self.payments.iter().map(|p| p.reference.clone()).collect()
    }

    /// The payment with merchant reference `reference`.
    pub fn payment(&self, reference: &str) -> Option<&PaymentRecord> {
        self.payments.iter().find(|p| p.reference == reference)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_repeats_and_a_manual_clock_moves_only_when_told() {
        assert_eq!(Ids::new(Some(3)).hex(8), Ids::new(Some(3)).hex(8));
        assert_ne!(Ids::new(Some(3)).hex(8), Ids::new(Some(4)).hex(8));
        assert_eq!(Ids::new(Some(3)).uuid().get_version_num(), 4);
        let start = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let clock = Clock::manual(start);
        assert_eq!(clock.now(), start);
        clock.advance(Duration::from_secs(60));
        assert_eq!(clock.unix_seconds(), 1_800_000_060);
        clock.advance(Duration::MAX);
        assert_eq!(clock.unix_seconds(), 1_800_000_060);
        assert_eq!(clock.rfc3339(), "2027-01-15T08:01:00Z");
    }
}
