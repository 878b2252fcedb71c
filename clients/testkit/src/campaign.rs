//! The ledger of a fault campaign: what the client reported for each flow, judged
//! against the provider state the sandbox holds afterwards.

use std::collections::{BTreeMap, BTreeSet};

/// What the client told the caller about one flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reported {
    /// The call succeeded.
    Made,
    /// The call failed with "outcome unknown", carrying what reconciles it (an
    /// idempotency key or the merchant's reference).
    Unknown {
        /// The key or reference the error carried.
        reconcile_by: String,
    },
    /// The call failed, outcome known: nothing was made (the error's text).
    Failed(String),
}

/// Flows by the merchant reference each used.
#[derive(Debug, Default)]
pub struct Ledger {
    flows: BTreeMap<String, Reported>,
}

/// The campaign's figures.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Flows run.
    pub flows: usize,
    /// Payments the provider holds.
    pub payments: usize,
    /// Flows reported made.
    pub made: usize,
    /// Flows reported with an unknown outcome (and what reconciles them).
    pub unknown: usize,
    /// Flows reported failed.
    pub failed: usize,
    /// References held more than once by the provider.
    pub duplicates: Vec<String>,
    /// Payments the provider holds whose flow was reported failed (or never run).
    pub lost: Vec<String>,
    /// Flows reported made of which the provider holds nothing.
    pub phantom: Vec<String>,
}

impl Ledger {
    /// Records a flow's outcome.
    pub fn record(&mut self, reference: impl Into<String>, reported: Reported) {
        self.flows.insert(reference.into(), reported);
    }

    /// The flows reported with an unknown outcome: (reference, what reconciles it).
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &str)> {
        self.flows
            .iter()
            .filter_map(|(reference, reported)| match reported {
                Reported::Unknown { reconcile_by } => {
                    Some((reference.as_str(), reconcile_by.as_str()))
                }
                _ => None,
            })
    }

    /// Judges the ledger against the references of the payments the provider holds.
    pub fn judge(&self, held: &[String]) -> Verdict {
        let mut seen = BTreeSet::new();
        let duplicates = held
            .iter()
            .filter(|r| !seen.insert(r.as_str()))
            .cloned()
            .collect();
        let lost = seen
            .iter()
            .filter(|r| matches!(self.flows.get(**r), Some(Reported::Failed(_)) | None))
            .map(|r| r.to_string())
            .collect();
        let phantom = self
            .flows
            .iter()
            .filter(|(r, reported)| **reported == Reported::Made && !seen.contains(r.as_str()))
            .map(|(r, _)| r.clone())
            .collect();
        let count = |f: fn(&Reported) -> bool| self.flows.values().filter(|r| f(r)).count();
        Verdict {
            flows: self.flows.len(),
            payments: held.len(),
            made: count(|r| matches!(r, Reported::Made)),
            unknown: count(|r| matches!(r, Reported::Unknown { .. })),
            failed: count(|r| matches!(r, Reported::Failed(_))),
            duplicates,
            lost,
            phantom,
        }
    }
}

impl Verdict {
    /// Panics (it is a test helper) unless no payment is duplicated, lost or phantom and
    /// the campaign reached lost answers, plain failures and successes.
    pub fn assert_money_safe(&self, provider: &str) {
        eprintln!(
            "{provider} campaign: {} flows, {} payments; reported made {}, outcome unknown {}, failed {}; duplicates {}, lost {}, phantom {}",
            self.flows,
            self.payments,
            self.made,
            self.unknown,
            self.failed,
            self.duplicates.len(),
            self.lost.len(),
            self.phantom.len()
        );
        assert!(
            self.duplicates.is_empty(),
            "duplicates: {:?}",
            self.duplicates
        );
        assert!(
            self.lost.is_empty(),
            "payments reported failed: {:?}",
            self.lost
        );
        assert!(
            self.phantom.is_empty(),
            "reported made, not held: {:?}",
            self.phantom
        );
        assert!(
            self.made > 0 && self.unknown > 0 && self.failed > 0,
            "the campaign must reach successes, lost answers and plain failures: {self:?}"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_judge_finds_every_kind_of_fault() {
        let mut ledger = Ledger::default();
        ledger.record("a", Reported::Made);
        ledger.record("b", Reported::Failed("429".into()));
        ledger.record(
            "c",
            Reported::Unknown {
                reconcile_by: "k".into(),
            },
        );
        ledger.record("d", Reported::Made);
        let held = ["a", "a", "b", "c", "x"].map(String::from);
        let verdict = ledger.judge(&held);
        assert_eq!(verdict.duplicates, ["a"]);
        assert_eq!(verdict.lost, ["b", "x"]);
        assert_eq!(verdict.phantom, ["d"]);
        assert_eq!((verdict.made, verdict.unknown, verdict.failed), (2, 1, 1));
        assert_eq!(ledger.unknown().collect::<Vec<_>>(), [("c", "k")]);
    }
}
