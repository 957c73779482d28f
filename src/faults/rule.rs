//! The fault rule model: triggers, actions, the routes a rule applies to, and its canonical
//! spelling (`Display`).

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::journal::RouteKind;

/// One fault rule: when it fires and what it does then.
#[derive(Debug, Clone, PartialEq)]
pub struct FaultRule {
    /// The trigger.
    pub when: Trigger,
    /// The action.
    pub what: Action,
    /// The endpoints whose requests the rule sees (and counts).
    pub route: FaultRoute,
    /// Only queries for this org (`/app/{org}/…`).
    pub org: Option<String>,
    /// Only queries for this app (`/app/…/{app}`).
    pub app: Option<String>,
    /// Fire at most this many times.
    pub times: Option<u64>,
    /// With `status`: a `Retry-After` header of this many seconds.
    pub retry_after: Option<u64>,
}

/// When a rule fires. Counting triggers count the requests the rule sees, from 1, starting
/// when the rule was added.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Every request.
    Always,
    /// The n-th request only.
    Nth(u64),
    /// The first n requests.
    First(u64),
    /// Every k-th request (the k-th, 2k-th, …).
    Every(u64),
    /// Each request with this probability, drawn from the server's seeded generator.
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
pub enum Action {
    /// Answer this status instead of handling the request (ProblemDetails body for 4xx/5xx).
    Status(u16),
    /// Handle the request after this long.
    Delay(Duration),
    /// Handle the request after a time drawn uniformly from this range.
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
    /// Point `next` at the event this many before the page's last, so the following page
    /// repeats them.
    StaleNext(usize),
    /// Answer `[]` without `next`, as production does when its authorization filter removes
    /// a whole page.
    EmptyPage,
}

/// The endpoints a rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultRoute {
    /// Every request (but `/_mock/faults`, so that a rule can always be removed).
    All,
    /// `GET /events/api/v1/app/{org}/{app}`.
    Query,
    /// `POST /events/api/v1/app`.
    Publish,
    /// `/_mock/…` but the token minter.
    Admin,
    /// `/_mock/token`.
    Token,
}

/// Why a rule does not parse or does not make sense.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultRuleError(pub String);

impl fmt::Display for FaultRuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FaultRuleError {}

impl Action {
    /// Whether the action changes a query's page rather than the HTTP exchange.
    pub fn is_page_action(self) -> bool {
        matches!(
            self,
            Action::DropNext | Action::StaleNext(_) | Action::EmptyPage
        )
    }
}

impl FaultRoute {
    /// Whether a request that reached `route` is seen by a rule for `self`.
    pub fn covers(self, route: RouteKind) -> bool {
        match self {
            FaultRoute::All => true,
            FaultRoute::Query => route == RouteKind::Query,
            FaultRoute::Publish => route == RouteKind::Publish,
            FaultRoute::Admin => route == RouteKind::Admin,
            FaultRoute::Token => route == RouteKind::Token,
        }
    }

    pub(super) fn named(name: &str) -> Option<FaultRoute> {
        Some(match name {
            "all" => FaultRoute::All,
            "query" => FaultRoute::Query,
            "publish" => FaultRoute::Publish,
            "admin" => FaultRoute::Admin,
            "token" => FaultRoute::Token,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            FaultRoute::All => "all",
            FaultRoute::Query => "query",
            FaultRoute::Publish => "publish",
            FaultRoute::Admin => "admin",
            FaultRoute::Token => "token",
        }
    }
}

impl FaultRule {
    /// Whether the rule sees a request to `route` for `org`/`app` (the query's path values).
    pub fn covers(&self, route: RouteKind, org: Option<&str>, app: Option<&str>) -> bool {
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
        if self.route != FaultRoute::All {
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
