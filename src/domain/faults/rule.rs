//! The fault rule model: triggers, actions, the routes a rule applies to, and its canonical
//! spelling (`Display`). A rule is only ever built through the reader in `spelling.rs`, so
//! every rule that exists is one the spelling accepts.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::route::{Route, RouteFilter};

/// One fault rule: when it fires, what it does then, and which requests it sees.
///
/// Build one from its spelling (the form the CLI, the admin API and the `x-mock-fault` header
/// share) or from typed parts; either way it is checked, so an invalid rule cannot exist:
///
/// ```
/// use altinn_events_mock::{Action, FaultRule, Route, Trigger};
///
/// let spelled: FaultRule = "when=nth:3,what=status:503,retry_after=2,route=query".parse()?;
/// let typed = FaultRule::new(Trigger::Nth(3), Action::Status(503))?
///     .with_retry_after(2)?
///     .with_route(Route::Query)?;
/// assert_eq!(spelled, typed);
/// assert_eq!(typed.to_string(), "when=nth:3,what=status:503,route=query,retry_after=2");
/// assert!(FaultRule::new(Trigger::Nth(0), Action::Reset).is_err());
/// assert!(FaultRule::new(Trigger::Always, Action::Status(999)).is_err());
/// # Ok::<(), altinn_events_mock::FaultRuleError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    pub(super) when: Trigger,
    pub(super) what: Action,
    pub(super) route: RouteFilter,
    pub(super) org: Option<String>,
    pub(super) app: Option<String>,
    pub(super) times: Option<u64>,
    pub(super) retry_after: Option<u64>,
}

/// When a rule fires. Counting triggers count the requests the rule sees, from 1, starting
/// when the rule was added.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Trigger {
    /// Every request.
    Always,
    /// The n-th request only (n from 1).
    Nth(u64),
    /// The first n requests (n from 1).
    First(u64),
    /// Every k-th request: the k-th, 2k-th, … (k from 1).
    Every(u64),
    /// Each request with this probability (0 to 1), drawn from the server's seeded generator.
    Probability(f64),
    /// Requests arriving in `[start, end)` on the server clock.
    Window {
        /// The first instant inside the window.
        start: DateTime<Utc>,
        /// The first instant after it.
        end: DateTime<Utc>,
    },
}

/// What a fired rule does to the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Action {
    /// Answer this status (200 to 599) instead of handling the request (ProblemDetails body
    /// for 4xx and 5xx).
    Status(u16),
    /// Handle the request after this long.
    Delay(Duration),
    /// Handle the request after a time drawn uniformly from this range (min ≤ max).
    DelayBetween(Duration, Duration),
    /// Reset the connection (TCP RST) instead of answering.
    Reset,
    /// Send the status line and headers, then close the connection.
    CloseAfterHeaders,
    /// Send the headers and this many body bytes, then close the connection.
    Truncate(usize),
    /// Answer 200 with a body that is not valid JSON.
    Malformed,
    /// Send the body in pieces spread over this long.
    SlowBody(Duration),
    /// Answer the page without its `next` header.
    DropNext,
    /// Point `next` at the event this many (from 1) before the page's last, so the following
    /// page repeats them.
    StaleNext(usize),
    /// Answer `[]` without `next`, as production does when its authorization filter removes
    /// a whole page.
    EmptyPage,
}

/// Why a rule does not parse or does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRuleError {
    kind: FaultRuleErrorKind,
    message: String,
}

/// What kind of mistake a [`FaultRuleError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultRuleErrorKind {
    /// The text is not `KEY=VALUE,…`, or the JSON is not an object or a string.
    Syntax,
    /// A key no rule has.
    UnknownKey,
    /// `when` or `what` is missing.
    MissingKey,
    /// A key is given twice.
    DuplicateKey,
    /// A value that is not one its key takes (an unknown action, `nth:0`, `status:999`, …).
    InvalidValue,
    /// Keys that do not go together (`retry_after` without a status, a page action on a
    /// route that serves no pages of events).
    Conflict,
    /// A key the `x-mock-fault` header cannot carry, since it faults only its own request.
    NotForOneRequest,
}

impl FaultRuleError {
    pub(super) fn new(kind: FaultRuleErrorKind, message: impl Into<String>) -> FaultRuleError {
        FaultRuleError {
            kind,
            message: message.into(),
        }
    }

    /// What kind of mistake it is.
    pub fn kind(&self) -> FaultRuleErrorKind {
        self.kind
    }
}

impl fmt::Display for FaultRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FaultRuleError {}

impl FaultRule {
    /// The trigger.
    pub fn when(&self) -> Trigger {
        self.when
    }

    /// The action.
    pub fn what(&self) -> Action {
        self.what
    }

    /// Which requests the rule sees.
    pub fn route(&self) -> RouteFilter {
        self.route
    }

    /// Only queries for this org, if set.
    pub fn org(&self) -> Option<&str> {
        self.org.as_deref()
    }

    /// Only queries for this app, if set.
    pub fn app(&self) -> Option<&str> {
        self.app.as_deref()
    }

    /// The most times the rule fires, if limited.
    pub fn times(&self) -> Option<u64> {
        self.times
    }

    /// With a status: the `Retry-After` seconds.
    pub fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// Refuses a rule whose delay or slow body lasts longer than `cap` (the server's
    /// `--max-fault-duration`).
    pub(crate) fn check_within(&self, cap: Duration) -> Result<(), FaultRuleError> {
        super::values::check_duration_cap(self.what, cap)
    }

    /// Whether the rule sees a request to `route` for `org`/`app` (the query's path values).
    pub(crate) fn covers(&self, route: Route, org: Option<&str>, app: Option<&str>) -> bool {
        let same = |wanted: &Option<String>, actual: Option<&str>| {
            wanted
                .as_deref()
                .is_none_or(|wanted| Some(wanted) == actual)
        };
        self.route.covers(route) && same(&self.org, org) && same(&self.app, app)
    }
}

/// `250ms`, `2s`: the spelling `parse_duration` reads back.
pub(super) fn format_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis.is_multiple_of(1000) {
        format!("{}s", millis / 1000)
    } else {
        format!("{millis}ms")
    }
}

fn format_time(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Always => f.write_str("always"),
            Trigger::Nth(n) => write!(f, "nth:{n}"),
            Trigger::First(n) => write!(f, "first:{n}"),
            Trigger::Every(k) => write!(f, "every:{k}"),
            Trigger::Probability(p) => write!(f, "probability:{p}"),
            Trigger::Window { start, end } => {
                write!(f, "window:{}..{}", format_time(*start), format_time(*end))
            }
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Action::Status(code) => write!(f, "status:{code}"),
            Action::Delay(duration) => write!(f, "delay:{}", format_duration(*duration)),
            Action::DelayBetween(min, max) => write!(
                f,
                "delay:{}..{}",
                format_duration(*min),
                format_duration(*max)
            ),
            Action::Reset => f.write_str("reset"),
            Action::CloseAfterHeaders => f.write_str("close_after_headers"),
            Action::Truncate(bytes) => write!(f, "truncate:{bytes}"),
            Action::Malformed => f.write_str("malformed"),
            Action::SlowBody(duration) => write!(f, "slow_body:{}", format_duration(*duration)),
            Action::DropNext => f.write_str("drop_next"),
            Action::StaleNext(k) => write!(f, "stale_next:{k}"),
            Action::EmptyPage => f.write_str("empty_page"),
        }
    }
}

impl fmt::Display for FaultRule {
    /// The canonical spelling, which parses back to the same rule.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "when={},what={}", self.when, self.what)?;
        if self.route != RouteFilter::Api {
            write!(f, ",route={}", self.route.name())?;
        }
        if let Some(org) = &self.org {
            write!(f, ",org={org}")?;
        }
        if let Some(app) = &self.app {
            write!(f, ",app={app}")?;
        }
        if let Some(times) = self.times {
            write!(f, ",times={times}")?;
        }
        if let Some(seconds) = self.retry_after {
            write!(f, ",retry_after={seconds}")?;
        }
        Ok(())
    }
}

impl serde::Serialize for FaultRule {
    /// The JSON form: the same keys as the spelling, `times`/`retry_after` as numbers.
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("when", &self.when.to_string())?;
        map.serialize_entry("what", &self.what.to_string())?;
        map.serialize_entry("route", self.route.name())?;
        if let Some(org) = &self.org {
            map.serialize_entry("org", org)?;
        }
        if let Some(app) = &self.app {
            map.serialize_entry("app", app)?;
        }
        if let Some(times) = self.times {
            map.serialize_entry("times", &times)?;
        }
        if let Some(seconds) = self.retry_after {
            map.serialize_entry("retry_after", &seconds)?;
        }
        map.end()
    }
}
