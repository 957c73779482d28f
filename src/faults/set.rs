//! The server's standing rules and the one decision per request: which rule, if any, fires.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use super::rule::{Action, FaultRule, Trigger};
use crate::journal::RouteKind;

/// The standing rules of one server, in the order added, with their counters and the seeded
/// generator their probabilities and delay ranges draw from.
#[derive(Debug)]
pub struct FaultSet {
    inner: Mutex<Inner>,
    /// How many rules stand, read without the lock: a server without rules never takes it.
    standing: AtomicUsize,
    seed: u64,
    startup: Vec<FaultRule>,
}

#[derive(Debug)]
struct Inner {
    rules: Vec<Standing>,
    /// Ids are never reused, so a guard can never remove somebody else's rule.
    next_id: u64,
    rng: Xoshiro256PlusPlus,
}

#[derive(Debug)]
struct Standing {
    id: u64,
    rule: FaultRule,
    matched: u64,
    fired: u64,
}

/// A standing rule as `GET /_mock/faults` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultStatus {
    /// Its id, for `DELETE /_mock/faults/{id}`.
    pub id: u64,
    /// Its canonical spelling (`"rule"` in JSON).
    #[serde(rename = "rule")]
    pub spelling: String,
    /// The rule (its keys inline in JSON).
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Requests it has seen (matched its route, org and app) since it was added.
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
}

/// Which rule faulted a request, as the journal records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaultRecord {
    /// The rule's id; `None` when the request's own `x-mock-fault` header asked for it.
    pub id: Option<u64>,
    /// The rule's spelling.
    pub rule: String,
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// What to do; a delay range is already drawn into a `Delay`.
    pub action: Action,
    /// The `Retry-After` seconds for a status.
    pub retry_after: Option<u64>,
    /// For the journal.
    pub record: FaultRecord,
}

impl FaultSet {
    /// A set holding `startup` rules (ids from 1), drawing from a generator seeded with `seed`.
    pub fn new(seed: u64, startup: Vec<FaultRule>) -> FaultSet {
        let set = FaultSet {
            inner: Mutex::new(Inner {
                rules: Vec::new(),
                next_id: 1,
                rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            }),
            standing: AtomicUsize::new(0),
            seed,
            startup,
        };
        set.reset();
        set
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Back to the startup rules, their counters at zero and the generator reseeded; rules
    /// added since are gone. Startup rules get fresh ids.
    pub fn reset(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        inner.rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        for rule in &self.startup {
            let id = inner.next_id;
            inner.next_id += 1;
            inner.rules.push(Standing::new(id, rule.clone()));
        }
        self.standing.store(inner.rules.len(), Ordering::Release);
    }

    /// Adds `rule` after the others; its counters start now. Returns its id.
    pub fn add(&self, rule: FaultRule) -> u64 {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.rules.push(Standing::new(id, rule));
        self.standing.store(inner.rules.len(), Ordering::Release);
        id
    }

    /// Removes rule `id`; `false` if there is none.
    pub fn remove(&self, id: u64) -> bool {
        let mut inner = self.lock();
        let before = inner.rules.len();
        inner.rules.retain(|standing| standing.id != id);
        self.standing.store(inner.rules.len(), Ordering::Release);
        inner.rules.len() < before
    }

    /// Removes every rule.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.rules.clear();
        self.standing.store(0, Ordering::Release);
    }

    /// The standing rules in evaluation order.
    pub fn list(&self) -> Vec<FaultStatus> {
        self.lock().rules.iter().map(Standing::status).collect()
    }

    /// Rule `id`, if it stands.
    pub fn get(&self, id: u64) -> Option<FaultStatus> {
        self.lock()
            .rules
            .iter()
            .find(|standing| standing.id == id)
            .map(Standing::status)
    }

    /// Decides the fault for one request to `route` (for a query, `org`/`app` from its path)
    /// arriving at `now`. Every rule that sees the request counts it; the first that fires
    /// decides, and `one_request` (the `x-mock-fault` header) comes before them all.
    pub fn decide(
        &self,
        route: RouteKind,
        org: Option<&str>,
        app: Option<&str>,
        now: DateTime<Utc>,
        one_request: Option<&FaultRule>,
    ) -> Option<Fired> {
        if one_request.is_none() && self.standing.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut inner = self.lock();
        let Inner { rules, rng, .. } = &mut *inner;
        let mut decided = one_request.map(|rule| (None, rule.clone()));
        for standing in rules.iter_mut() {
            if !standing.rule.covers(route, org, app) {
                continue;
            }
            standing.matched += 1;
            let spent = standing
                .rule
                .times
                .is_some_and(|times| standing.fired >= times);
            if decided.is_some() || spent {
                continue;
            }
            let fires = match standing.rule.when {
                Trigger::Always => true,
                Trigger::Nth(n) => standing.matched == n,
                Trigger::First(n) => standing.matched <= n,
                Trigger::Every(k) => standing.matched.is_multiple_of(k),
                Trigger::Probability(p) => rng.random::<f64>() < p,
                Trigger::Window { start, end } => (start..end).contains(&now),
            };
            if fires {
                standing.fired += 1;
                decided = Some((Some(standing.id), standing.rule.clone()));
            }
        }
        let (id, rule) = decided?;
        let action = match rule.what {
            Action::DelayBetween(min, max) => {
                let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
                Action::Delay(Duration::from_nanos(
                    rng.random_range(nanos(min)..=nanos(max)),
                ))
            }
            action => action,
        };
        // A header's rule is recorded as the header spelled it, without the implied `when`.
        let spelling = match id {
            Some(_) => rule.to_string(),
            None => match rule.retry_after {
                Some(seconds) => format!("what={},retry_after={seconds}", rule.what),
                None => format!("what={}", rule.what),
            },
        };
        Some(Fired {
            action,
            retry_after: rule.retry_after,
            record: FaultRecord { id, rule: spelling },
        })
    }
}

impl Standing {
    fn new(id: u64, rule: FaultRule) -> Standing {
        Standing {
            id,
            rule,
            matched: 0,
            fired: 0,
        }
    }

    fn status(&self) -> FaultStatus {
        FaultStatus {
            id: self.id,
            spelling: self.rule.to_string(),
            rule: self.rule.clone(),
            matched: self.matched,
            fired: self.fired,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(text: &str) -> FaultRule {
        text.parse().unwrap()
    }

    fn now() -> DateTime<Utc> {
        "2026-01-05T12:00:00Z".parse().unwrap()
    }

    /// Which of `requests` queries a set with `rules` faults, as rule ids.
    fn pattern(set: &FaultSet, requests: usize) -> Vec<Option<u64>> {
        (0..requests)
            .map(|_| {
                set.decide(RouteKind::Query, Some("ttd"), Some("a"), now(), None)
                    .map(|fired| fired.record.id.unwrap())
            })
            .collect()
    }

    #[test]
    fn counting_triggers_fire_on_the_requests_they_name() {
        let set = FaultSet::new(1, vec![rule("when=nth:3,what=reset")]);
        assert_eq!(pattern(&set, 5), [None, None, Some(1), None, None]);
        let set = FaultSet::new(1, vec![rule("when=first:2,what=reset")]);
        assert_eq!(pattern(&set, 4), [Some(1), Some(1), None, None]);
        let set = FaultSet::new(1, vec![rule("when=every:2,what=reset,times=2")]);
        assert_eq!(
            pattern(&set, 7),
            [None, Some(1), None, Some(1), None, None, None]
        );
    }

    #[test]
    fn the_first_rule_that_fires_decides_and_all_count() {
        let set = FaultSet::new(
            1,
            vec![
                rule("when=every:2,what=reset"),
                rule("when=nth:2,what=malformed"),
            ],
        );
        // Request 2 goes to rule 1; rule 2 counted it, so it never sees another second one.
        assert_eq!(pattern(&set, 4), [None, Some(1), None, Some(1)]);
        let listed = set.list();
        assert_eq!((listed[1].matched, listed[1].fired), (4, 0));
    }

    #[test]
    fn rules_count_from_when_they_are_added_and_only_what_they_see() {
        let set = FaultSet::new(1, Vec::new());
        assert_eq!(pattern(&set, 2), [None, None]);
        let id = set.add(rule("when=nth:2,what=reset,app=a"));
        let other = set.decide(RouteKind::Query, Some("ttd"), Some("b"), now(), None);
        let publish = set.decide(RouteKind::Publish, None, None, now(), None);
        assert_eq!((other, publish), (None, None));
        assert_eq!(pattern(&set, 2), [None, Some(id)]);
        assert!(set.remove(id));
        assert!(!set.remove(id));
        assert_eq!(pattern(&set, 2), [None, None]);
    }

    #[test]
    fn probabilities_repeat_with_the_seed() {
        let run = |seed| {
            pattern(
                &FaultSet::new(seed, vec![rule("when=probability:0.5,what=reset")]),
                64,
            )
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let fired = run(7).iter().filter(|id| id.is_some()).count();
        assert!((16..48).contains(&fired), "{fired} of 64");
        let never = FaultSet::new(1, vec![rule("when=probability:0,what=reset")]);
        assert!(pattern(&never, 32).iter().all(Option::is_none));
        let always = FaultSet::new(1, vec![rule("when=probability:1,what=reset")]);
        assert!(pattern(&always, 32).iter().all(Option::is_some));
    }

    #[test]
    fn windows_are_half_open_on_the_server_clock() {
        let set = FaultSet::new(
            1,
            vec![rule(
                "when=window:2026-01-05T12:00:00Z..2026-01-05T12:01:00Z,what=reset",
            )],
        );
        let at = |time: &str| {
            set.decide(RouteKind::Query, None, None, time.parse().unwrap(), None)
                .is_some()
        };
        assert!(!at("2026-01-05T11:59:59Z"));
        assert!(at("2026-01-05T12:00:00Z"));
        assert!(at("2026-01-05T12:00:59.999Z"));
        assert!(!at("2026-01-05T12:01:00Z"));
    }

    #[test]
    fn the_header_comes_first_and_delay_ranges_are_drawn() {
        let set = FaultSet::new(1, vec![rule("when=always,what=reset")]);
        let header = FaultRule::for_one_request("what=delay:10ms..20ms").unwrap();
        let fired = set
            .decide(RouteKind::Query, None, None, now(), Some(&header))
            .unwrap();
        assert_eq!(fired.record.id, None);
        assert_eq!(fired.record.rule, "what=delay:10ms..20ms");
        let Action::Delay(delay) = fired.action else {
            panic!("{:?}", fired.action)
        };
        assert!((Duration::from_millis(10)..=Duration::from_millis(20)).contains(&delay));
        assert_eq!(set.list()[0].matched, 1);
        assert_eq!(set.list()[0].fired, 0);
    }

    #[test]
    fn reset_restores_the_startup_rules_with_fresh_ids_and_counters() {
        let set = FaultSet::new(3, vec![rule("when=nth:2,what=reset")]);
        let first = pattern(&set, 3);
        set.add(rule("when=always,what=malformed"));
        set.reset();
        let listed = set.list();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id, listed[0].matched), (3, 0));
        assert_eq!(
            pattern(&set, 3),
            first.iter().map(|id| id.map(|_| 3)).collect::<Vec<_>>()
        );
    }
}
