//! A server's standing rules and the one decision per request: which rule, if any, fires.
//!
//! Plain data: the core keeps it behind its lock and a lock-free count of standing rules.

use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use super::effect::Effect;
use super::rule::{FaultRule, Trigger};
use crate::domain::route::Route;

/// The standing rules of one server, in the order added, with their counters and the seeded
/// generator their probabilities and delay ranges draw from.
#[derive(Debug)]
pub(crate) struct FaultSet {
    rules: Vec<Standing>,
    /// Ids restart at 1 with each reset, never reused in between.
    next_id: u64,
    /// Which reset the ids belong to, so a guard from before a reset removes nothing after it.
    generation: u64,
    rng: Xoshiro256PlusPlus,
    seed: u64,
    startup: Vec<FaultRule>,
}

#[derive(Debug)]
struct Standing {
    id: u64,
    rule: FaultRule,
    matched: u64,
    fired: u64,
}

/// A standing rule as `GET /_mock/faults` and [`MockServer::faults`](crate::MockServer::faults)
/// show it.
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
pub(crate) struct Fired {
    /// What the rule does to this request.
    pub(crate) effect: Effect,
    /// For the journal.
    pub(crate) record: FaultRecord,
}

impl FaultSet {
    /// A set holding `startup` rules (ids from 1), drawing from a generator seeded with `seed`.
    pub(crate) fn new(seed: u64, startup: Vec<FaultRule>) -> FaultSet {
        let mut set = FaultSet {
            rules: Vec::new(),
            next_id: 1,
            generation: 0,
            rng: Xoshiro256PlusPlus::seed_from_u64(seed),
            seed,
            startup,
        };
        set.reset();
        set
    }

    /// Back to the startup rules, numbered from 1 again, their counters at zero and the
    /// generator reseeded; rules added since are gone.
    pub(crate) fn reset(&mut self) {
        self.rules.clear();
        self.generation += 1;
        self.next_id = 1;
        self.rng = Xoshiro256PlusPlus::seed_from_u64(self.seed);
        for rule in self.startup.clone() {
            self.add(rule);
        }
    }

    /// Which reset the current ids belong to.
    pub(crate) fn generation(&self) -> u64 {
        self.generation
    }

    /// How many rules stand.
    pub(crate) fn len(&self) -> usize {
        self.rules.len()
    }

    /// Adds `rule` after the others; its counters start now. Returns its id.
    pub(crate) fn add(&mut self, rule: FaultRule) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.rules.push(Standing {
            id,
            rule,
            matched: 0,
            fired: 0,
        });
        id
    }

    /// Removes rule `id`; `false` if there is none.
    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|standing| standing.id != id);
        self.rules.len() < before
    }

    /// Removes every rule.
    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    /// The standing rules in evaluation order.
    pub(crate) fn list(&self) -> Vec<FaultStatus> {
        self.rules.iter().map(Standing::status).collect()
    }

    /// Rule `id`, if it stands.
    pub(crate) fn get(&self, id: u64) -> Option<FaultStatus> {
        self.rules
            .iter()
            .find(|standing| standing.id == id)
            .map(Standing::status)
    }

    /// Decides the fault for one request to `route` (for a query, `org`/`app` from its path)
    /// arriving at `now`. Every rule that sees the request counts it; the first that fires
    /// decides, and `one_request` (the `x-mock-fault` header) comes before them all.
    pub(crate) fn decide(
        &mut self,
        route: Route,
        org: Option<&str>,
        app: Option<&str>,
        now: DateTime<Utc>,
        one_request: Option<&FaultRule>,
    ) -> Option<Fired> {
        let FaultSet { rules, rng, .. } = self;
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
        let effect = rule.what.effect(rule.retry_after, |min, max| {
            let nanos = |d: Duration| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
            Duration::from_nanos(rng.random_range(nanos(min)..=nanos(max)))
        });
        // A header's rule is recorded as the header spelled it, without the implied `when`.
        let spelling = match id {
            Some(_) => rule.to_string(),
            None => match rule.retry_after {
                Some(seconds) => format!("what={},retry_after={seconds}", rule.what),
                None => format!("what={}", rule.what),
            },
        };
        Some(Fired {
            effect,
            record: FaultRecord { id, rule: spelling },
        })
    }
}

impl Standing {
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
    fn pattern(set: &mut FaultSet, requests: usize) -> Vec<Option<u64>> {
        (0..requests)
            .map(|_| {
                set.decide(Route::Query, Some("ttd"), Some("a"), now(), None)
                    .map(|fired| fired.record.id.unwrap())
            })
            .collect()
    }

    #[test]
    fn counting_triggers_fire_on_the_requests_they_name() {
        let mut set = FaultSet::new(1, vec![rule("when=nth:3,what=reset")]);
        assert_eq!(pattern(&mut set, 5), [None, None, Some(1), None, None]);
        let mut set = FaultSet::new(1, vec![rule("when=first:2,what=reset")]);
        assert_eq!(pattern(&mut set, 4), [Some(1), Some(1), None, None]);
        let mut set = FaultSet::new(1, vec![rule("when=every:2,what=reset,times=2")]);
        assert_eq!(
            pattern(&mut set, 7),
            [None, Some(1), None, Some(1), None, None, None]
        );
    }

    #[test]
    fn the_first_rule_that_fires_decides_and_all_count() {
        let mut set = FaultSet::new(
            1,
            vec![
                rule("when=every:2,what=reset"),
                rule("when=nth:2,what=malformed"),
            ],
        );
        // Request 2 goes to rule 1; rule 2 counted it, so it never sees another second one.
        assert_eq!(pattern(&mut set, 4), [None, Some(1), None, Some(1)]);
        let listed = set.list();
        assert_eq!((listed[1].matched, listed[1].fired), (4, 0));
    }

    #[test]
    fn rules_count_from_when_they_are_added_and_only_what_they_see() {
        let mut set = FaultSet::new(1, Vec::new());
        assert_eq!(pattern(&mut set, 2), [None, None]);
        let id = set.add(rule("when=nth:2,what=reset,app=a"));
        let other = set.decide(Route::Query, Some("ttd"), Some("b"), now(), None);
        let publish = set.decide(Route::Publish, None, None, now(), None);
        assert_eq!((other, publish), (None, None));
        assert_eq!(pattern(&mut set, 2), [None, Some(id)]);
        assert!(set.remove(id));
        assert!(!set.remove(id));
        assert_eq!(pattern(&mut set, 2), [None, None]);
    }

    #[test]
    fn by_default_a_rule_sees_the_faked_api_and_not_the_mocks_own_endpoints() {
        let mut set = FaultSet::new(1, vec![rule("when=nth:2,what=reset")]);
        let mut decide = |route| {
            set.decide(route, None, None, now(), None)
                .map(|f| f.record.id)
        };
        assert_eq!(decide(Route::Token), None);
        assert_eq!(decide(Route::Admin), None);
        assert_eq!(decide(Route::Query), None);
        assert_eq!(
            decide(Route::Publish),
            Some(Some(1)),
            "the second API request"
        );
        let mut all = FaultSet::new(1, vec![rule("when=nth:2,what=reset,route=all")]);
        assert_eq!(all.decide(Route::Token, None, None, now(), None), None);
        assert!(all.decide(Route::Admin, None, None, now(), None).is_some());
    }

    #[test]
    fn probabilities_repeat_with_the_seed() {
        let run = |seed| {
            pattern(
                &mut FaultSet::new(seed, vec![rule("when=probability:0.5,what=reset")]),
                64,
            )
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
        let fired = run(7).iter().filter(|id| id.is_some()).count();
        assert!((16..48).contains(&fired), "{fired} of 64");
        let mut never = FaultSet::new(1, vec![rule("when=probability:0,what=reset")]);
        assert!(pattern(&mut never, 32).iter().all(Option::is_none));
        let mut always = FaultSet::new(1, vec![rule("when=probability:1,what=reset")]);
        assert!(pattern(&mut always, 32).iter().all(Option::is_some));
    }

    #[test]
    fn windows_are_half_open_on_the_server_clock() {
        let mut set = FaultSet::new(
            1,
            vec![rule(
                "when=window:2026-01-05T12:00:00Z..2026-01-05T12:01:00Z,what=reset",
            )],
        );
        let mut at = |time: &str| {
            set.decide(Route::Query, None, None, time.parse().unwrap(), None)
                .is_some()
        };
        assert!(!at("2026-01-05T11:59:59Z"));
        assert!(at("2026-01-05T12:00:00Z"));
        assert!(at("2026-01-05T12:00:59.999Z"));
        assert!(!at("2026-01-05T12:01:00Z"));
    }

    #[test]
    fn the_header_comes_first_and_delay_ranges_are_drawn() {
        let mut set = FaultSet::new(1, vec![rule("when=always,what=reset")]);
        let header = FaultRule::for_one_request("what=delay:10ms..20ms").unwrap();
        let fired = set
            .decide(Route::Query, None, None, now(), Some(&header))
            .unwrap();
        assert_eq!(fired.record.id, None);
        assert_eq!(fired.record.rule, "what=delay:10ms..20ms");
        let Effect::Delay(delay) = fired.effect else {
            panic!("{:?}", fired.effect)
        };
        assert!((Duration::from_millis(10)..=Duration::from_millis(20)).contains(&delay));
        assert_eq!(set.list()[0].matched, 1);
        assert_eq!(set.list()[0].fired, 0);
    }

    #[test]
    fn reset_restores_the_startup_rules_numbered_from_1_with_fresh_counters() {
        let mut set = FaultSet::new(3, vec![rule("when=nth:2,what=reset")]);
        assert_eq!(set.list()[0].id, 1);
        let generation = set.generation();
        let first = pattern(&mut set, 3);
        assert_eq!(set.add(rule("when=always,what=malformed")), 2);
        set.reset();
        let listed = set.list();
        assert_eq!(listed.len(), 1);
        assert_eq!((listed[0].id, listed[0].matched), (1, 0));
        assert_ne!(
            set.generation(),
            generation,
            "old guards must not remove new rules"
        );
        assert_eq!(pattern(&mut set, 3), first);
    }
}
