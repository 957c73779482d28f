//! Reading rules: the `when=…,what=…` spelling, its JSON form with the same keys, the
//! one-request form of the `x-mock-fault` header, and the typed constructors. All of them go
//! through one [`Draft`], so they accept and refuse the same things with the same messages.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::rule::{Action, FaultRule, FaultRuleError, FaultRuleErrorKind as Kind, Trigger};
use crate::domain::route::Route;
use crate::domain::units::parse_duration;

const KEYS: &str = "when, what, route, org, app, times and retry_after";
const TRIGGERS: &str =
    "always, nth:N, first:N, every:K, probability:P or window:START..END (RFC 3339)";
const ACTIONS: &str = "status:CODE, delay:DURATION, delay:MIN..MAX, reset, close_after_headers, \
     truncate:BYTES, malformed, slow_body:DURATION, drop_next, stale_next:K or empty_page";

fn error(kind: Kind, message: impl Into<String>) -> FaultRuleError {
    FaultRuleError::new(kind, message)
}

fn invalid(message: impl Into<String>) -> FaultRuleError {
    error(Kind::InvalidValue, message)
}

/// A rule being read, key by key.
#[derive(Default)]
struct Draft {
    when: Option<Trigger>,
    what: Option<Action>,
    /// `Some(None)`: `route=all` given.
    route: Option<Option<Route>>,
    org: Option<String>,
    app: Option<String>,
    times: Option<u64>,
    retry_after: Option<u64>,
}

/// Where a rule comes from: a standing rule, or the header that faults its own request.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Rule,
    OneRequest,
}

impl Draft {
    /// A draft holding everything `rule` says, to change one key and check again.
    fn of(rule: &FaultRule) -> Draft {
        Draft {
            when: Some(rule.when),
            what: Some(rule.what),
            // An implied route is not a given one: adding org/app to an all-routes rule
            // narrows it to queries instead of contradicting it.
            route: rule.route.map(Some),
            org: rule.org.clone(),
            app: rule.app.clone(),
            times: rule.times,
            retry_after: rule.retry_after,
        }
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), FaultRuleError> {
        let value = value.trim();
        let duplicate = || error(Kind::DuplicateKey, format!("{key} is given twice"));
        match key {
            "when" => replace(&mut self.when, parse_trigger(value)?, duplicate),
            "what" => replace(&mut self.what, parse_action(value)?, duplicate),
            "route" => replace(&mut self.route, parse_route(value)?, duplicate),
            "org" => replace(&mut self.org, value.to_owned(), duplicate),
            "app" => replace(&mut self.app, value.to_owned(), duplicate),
            "times" => {
                let times = positive(key, value)?;
                replace(&mut self.times, times, duplicate)
            }
            "retry_after" => {
                let seconds = value.parse::<u64>().map_err(|_| {
                    invalid(format!(
                        "retry_after must be a whole number of seconds, not {value:?}"
                    ))
                })?;
                replace(&mut self.retry_after, seconds, duplicate)
            }
            _ => Err(error(
                Kind::UnknownKey,
                format!("unknown key {key:?}: a rule has {KEYS}"),
            )),
        }
    }

    /// The rule, once every value and every combination is checked.
    fn finish(self, form: Form) -> Result<FaultRule, FaultRuleError> {
        let what = self.what.ok_or_else(|| {
            error(
                Kind::MissingKey,
                format!("what is missing: one of {ACTIONS}"),
            )
        })?;
        check_action(what)?;
        let when = match (form, self.when) {
            (Form::Rule, Some(when)) => when,
            (Form::Rule, None) => {
                return Err(error(
                    Kind::MissingKey,
                    format!("when is missing: one of {TRIGGERS}"),
                ));
            }
            (Form::OneRequest, None) => Trigger::Always,
            (Form::OneRequest, Some(_)) => return Err(one_request_only("when")),
        };
        check_trigger(when)?;
        if form == Form::OneRequest {
            for (key, given) in [
                ("route", self.route.is_some()),
                ("org", self.org.is_some()),
                ("app", self.app.is_some()),
                ("times", self.times.is_some()),
            ] {
                if given {
                    return Err(one_request_only(key));
                }
            }
        }
        for (key, value) in [("org", &self.org), ("app", &self.app)] {
            if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
                return Err(invalid(format!("{key} is empty")));
            }
        }
        if self.times == Some(0) {
            return Err(invalid("times must be a whole number from 1, not \"0\""));
        }
        if self.retry_after.is_some() && !matches!(what, Action::Status(_)) {
            return Err(error(
                Kind::Conflict,
                "retry_after goes with what=status:CODE only",
            ));
        }
        // Page actions and org/app filters only make sense for queries, which they imply.
        let query_only = if what.is_page_action() {
            Some(format!("what={what}"))
        } else if self.org.is_some() || self.app.is_some() {
            Some("org and app".to_owned())
        } else {
            None
        };
        let route = match (self.route, &query_only) {
            (None, Some(_)) => Some(Route::Query),
            (None, None) => None,
            (Some(route), Some(what)) if route != Some(Route::Query) => {
                return Err(error(
                    Kind::Conflict,
                    format!("{what} applies to route=query only"),
                ));
            }
            (Some(route), _) => route,
        };
        Ok(FaultRule {
            when,
            what,
            route,
            org: self.org,
            app: self.app,
            times: self.times,
            retry_after: self.retry_after,
        })
    }
}

fn one_request_only(key: &str) -> FaultRuleError {
    error(
        Kind::NotForOneRequest,
        format!(
            "x-mock-fault faults its own request only: leave out {key} (give what, and retry_after with a status)"
        ),
    )
}

fn replace<T>(
    slot: &mut Option<T>,
    value: T,
    duplicate: impl FnOnce() -> FaultRuleError,
) -> Result<(), FaultRuleError> {
    if slot.is_some() {
        return Err(duplicate());
    }
    *slot = Some(value);
    Ok(())
}

fn positive(what: &str, text: &str) -> Result<u64, FaultRuleError> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid(format!(
            "{what} must be a whole number from 1, not {text:?}"
        ))),
    }
}

fn parse_route(name: &str) -> Result<Option<Route>, FaultRuleError> {
    if name == "all" {
        return Ok(None);
    }
    Route::for_fault_rule(name).map(Some).ok_or_else(|| {
        invalid(format!(
            "unknown route {name:?}: expected all, query, publish, admin or token"
        ))
    })
}

/// The values a trigger may take, whichever way it was given.
fn check_trigger(trigger: Trigger) -> Result<(), FaultRuleError> {
    match trigger {
        Trigger::Nth(0) => Err(invalid("nth:N must be a whole number from 1, not \"0\"")),
        Trigger::First(0) => Err(invalid("first:N must be a whole number from 1, not \"0\"")),
        Trigger::Every(0) => Err(invalid("every:K must be a whole number from 1, not \"0\"")),
        Trigger::Probability(p) if !(0.0..=1.0).contains(&p) => Err(invalid(format!(
            "probability:P needs P from 0 to 1, not \"{p}\""
        ))),
        Trigger::Window { start, end } if start >= end => Err(invalid(format!(
            "window {}: START must be before END",
            trigger.to_string().trim_start_matches("window:")
        ))),
        _ => Ok(()),
    }
}

/// The values an action may take, whichever way it was given.
fn check_action(action: Action) -> Result<(), FaultRuleError> {
    match action {
        Action::Status(code) if !(200..=599).contains(&code) => Err(invalid(format!(
            "status:CODE needs a final status from 200 to 599, not \"{code}\""
        ))),
        Action::DelayBetween(min, max) if min > max => {
            Err(invalid(format!("{}: MIN is above MAX", action)))
        }
        Action::StaleNext(0) => Err(invalid(
            "stale_next:K must be a whole number from 1, not \"0\"",
        )),
        _ => Ok(()),
    }
}

fn parse_trigger(text: &str) -> Result<Trigger, FaultRuleError> {
    let (kind, argument) = text.split_once(':').unwrap_or((text, ""));
    let argument = argument.trim();
    let trigger = match kind.trim() {
        "always" if argument.is_empty() => Trigger::Always,
        "nth" => Trigger::Nth(positive("nth:N", argument)?),
        "first" => Trigger::First(positive("first:N", argument)?),
        "every" => Trigger::Every(positive("every:K", argument)?),
        "probability" => match argument.parse::<f64>() {
            Ok(p) if (0.0..=1.0).contains(&p) => Trigger::Probability(p),
            _ => {
                return Err(invalid(format!(
                    "probability:P needs P from 0 to 1, not {argument:?}"
                )));
            }
        },
        "window" => {
            let (start, end) = argument.split_once("..").ok_or_else(|| {
                invalid(format!(
                    "window:START..END needs two RFC 3339 times, not {argument:?}"
                ))
            })?;
            Trigger::Window {
                start: time(start)?,
                end: time(end)?,
            }
        }
        _ => {
            return Err(invalid(format!(
                "unknown trigger {text:?}: expected {TRIGGERS}"
            )));
        }
    };
    Ok(trigger)
}

fn time(text: &str) -> Result<DateTime<Utc>, FaultRuleError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| invalid(format!("{:?} is not an RFC 3339 time: {e}", text.trim())))
}

fn duration(text: &str) -> Result<std::time::Duration, FaultRuleError> {
    parse_duration(text).map_err(invalid)
}

fn parse_action(text: &str) -> Result<Action, FaultRuleError> {
    let (kind, argument) = text.split_once(':').unwrap_or((text, ""));
    let argument = argument.trim();
    let bare = argument.is_empty();
    let action = match kind.trim() {
        "status" => match argument.parse::<u16>() {
            Ok(code) => Action::Status(code),
            _ => {
                return Err(invalid(format!(
                    "status:CODE needs a final status from 200 to 599, not {argument:?}"
                )));
            }
        },
        "delay" => match argument.split_once("..") {
            Some((min, max)) => Action::DelayBetween(duration(min)?, duration(max)?),
            None => Action::Delay(duration(argument)?),
        },
        "truncate" => Action::Truncate(argument.parse().map_err(|_| {
            invalid(format!(
                "truncate:BYTES needs a whole number of bytes, not {argument:?}"
            ))
        })?),
        "slow_body" => Action::SlowBody(duration(argument)?),
        "stale_next" => Action::StaleNext(
            usize::try_from(positive("stale_next:K", argument)?).unwrap_or(usize::MAX),
        ),
        "reset" if bare => Action::Reset,
        "close_after_headers" if bare => Action::CloseAfterHeaders,
        "malformed" if bare => Action::Malformed,
        "drop_next" if bare => Action::DropNext,
        "empty_page" if bare => Action::EmptyPage,
        _ => {
            return Err(invalid(format!(
                "unknown action {text:?}: expected {ACTIONS}"
            )));
        }
    };
    Ok(action)
}

fn parse_spelling(text: &str, form: Form) -> Result<FaultRule, FaultRuleError> {
    let mut draft = Draft::default();
    for part in text.split(',') {
        let part = part.trim();
        let (key, value) = part.split_once('=').ok_or_else(|| {
            error(
                Kind::Syntax,
                format!("{part:?} is not KEY=VALUE (a rule reads like when=nth:3,what=status:503)"),
            )
        })?;
        draft.set(key.trim(), value)?;
    }
    draft.finish(form)
}

impl FromStr for FaultRule {
    type Err = FaultRuleError;

    /// Reads `when=TRIGGER,what=ACTION[,route=R][,org=O][,app=A][,times=N][,retry_after=SECS]`.
    fn from_str(text: &str) -> Result<FaultRule, FaultRuleError> {
        parse_spelling(text, Form::Rule)
    }
}

impl TryFrom<&str> for FaultRule {
    type Error = FaultRuleError;

    fn try_from(text: &str) -> Result<FaultRule, FaultRuleError> {
        text.parse()
    }
}

impl TryFrom<String> for FaultRule {
    type Error = FaultRuleError;

    fn try_from(text: String) -> Result<FaultRule, FaultRuleError> {
        text.parse()
    }
}

impl FaultRule {
    /// A rule firing `when` with `what`, on every route (page actions: on queries), checked.
    pub fn new(when: Trigger, what: Action) -> Result<FaultRule, FaultRuleError> {
        Draft {
            when: Some(when),
            what: Some(what),
            ..Draft::default()
        }
        .finish(Form::Rule)
    }

    /// The rule, seeing only requests to `route`.
    pub fn with_route(self, route: Route) -> Result<FaultRule, FaultRuleError> {
        self.changed(|draft| draft.route = Some(Some(route)))
    }

    /// The rule, seeing only queries for `org`.
    pub fn with_org(self, org: impl Into<String>) -> Result<FaultRule, FaultRuleError> {
        self.changed(|draft| draft.org = Some(org.into()))
    }

    /// The rule, seeing only queries for `app`.
    pub fn with_app(self, app: impl Into<String>) -> Result<FaultRule, FaultRuleError> {
        self.changed(|draft| draft.app = Some(app.into()))
    }

    /// The rule, firing at most `times` times (from 1).
    pub fn with_times(self, times: u64) -> Result<FaultRule, FaultRuleError> {
        self.changed(|draft| draft.times = Some(times))
    }

    /// The rule, its status answered with `Retry-After: seconds` (a `status` action only).
    pub fn with_retry_after(self, seconds: u64) -> Result<FaultRule, FaultRuleError> {
        self.changed(|draft| draft.retry_after = Some(seconds))
    }

    fn changed(self, change: impl FnOnce(&mut Draft)) -> Result<FaultRule, FaultRuleError> {
        let mut draft = Draft::of(&self);
        change(&mut draft);
        draft.finish(Form::Rule)
    }

    /// Reads the `x-mock-fault` header's form: `what=ACTION[,retry_after=SECS]`, for the
    /// request that carries it (`when` is implied; the standing keys are refused).
    pub(crate) fn for_one_request(text: &str) -> Result<FaultRule, FaultRuleError> {
        parse_spelling(text, Form::OneRequest)
    }

    /// Reads the JSON form: an object with the spelling's keys (`times` and `retry_after` may
    /// be numbers, `null` is absent), or a string holding the spelling. What
    /// `GET /_mock/faults` adds (`id`, `rule`, `matched`, `fired`) is ignored, so a listed rule
    /// can be posted back; an object with only `rule` reads that spelling.
    pub(crate) fn from_json(value: &Value) -> Result<FaultRule, FaultRuleError> {
        let object = match value {
            Value::String(text) => return text.parse(),
            Value::Object(object) => object,
            _ => {
                return Err(error(
                    Kind::Syntax,
                    "a rule is a JSON object like {\"when\": \"nth:3\", \"what\": \"status:503\"}",
                ));
            }
        };
        if !object.contains_key("when")
            && !object.contains_key("what")
            && let Some(spelling) = object.get("rule")
        {
            return FaultRule::from_json(spelling);
        }
        let mut draft = Draft::default();
        for (key, value) in object {
            if matches!(key.as_str(), "id" | "rule" | "matched" | "fired") {
                continue;
            }
            let text = match value {
                Value::Null => continue,
                Value::String(text) => text.clone(),
                Value::Number(number) => number.to_string(),
                _ => {
                    return Err(error(
                        Kind::Syntax,
                        format!("{key} must be a string or a number"),
                    ));
                }
            };
            draft.set(key, &text)?;
        }
        draft.finish(Form::Rule)
    }
}

impl<'de> serde::Deserialize<'de> for FaultRule {
    /// The JSON form (see the spelling): an object with its keys, or a string of it.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FaultRule, D::Error> {
        let value = Value::deserialize(deserializer)?;
        FaultRule::from_json(&value).map_err(serde::de::Error::custom)
    }
}
