//! Reading rules: the `when=…,what=…` spelling, its JSON form with the same keys, and the
//! one-request form of the `x-mock-fault` header. All three go through one [`Draft`], so they
//! accept and refuse the same things with the same messages.

use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::rule::{Action, FaultRoute, FaultRule, FaultRuleError, Trigger};
use crate::units::parse_duration;

const KEYS: &str = "when, what, route, org, app, times and retry_after";
const TRIGGERS: &str =
    "always, nth:N, first:N, every:K, probability:P or window:START..END (RFC 3339)";
const ACTIONS: &str = "status:CODE, delay:DURATION, delay:MIN..MAX, reset, close_after_headers, \
     truncate:BYTES, malformed, slow_body:DURATION, drop_next, stale_next:K or empty_page";

fn error(message: impl Into<String>) -> FaultRuleError {
    FaultRuleError(message.into())
}

/// A rule being read, key by key.
#[derive(Default)]
struct Draft {
    when: Option<Trigger>,
    what: Option<Action>,
    route: Option<FaultRoute>,
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
    fn set(&mut self, key: &str, value: &str) -> Result<(), FaultRuleError> {
        let value = value.trim();
        let duplicate = || error(format!("{key} is given twice"));
        match key {
            "when" => replace(&mut self.when, parse_trigger(value)?, duplicate),
            "what" => replace(&mut self.what, parse_action(value)?, duplicate),
            "route" => {
                let route = FaultRoute::named(value).ok_or_else(|| {
                    error(format!(
                        "unknown route {value:?}: expected all, query, publish, admin or token"
                    ))
                })?;
                replace(&mut self.route, route, duplicate)
            }
            "org" | "app" if value.is_empty() => Err(error(format!("{key} is empty"))),
            "org" => replace(&mut self.org, value.to_owned(), duplicate),
            "app" => replace(&mut self.app, value.to_owned(), duplicate),
            "times" => {
                let times = positive(key, value)?;
                replace(&mut self.times, times, duplicate)
            }
            "retry_after" => {
                let seconds = value.parse::<u64>().map_err(|_| {
                    error(format!(
                        "retry_after must be a whole number of seconds, not {value:?}"
                    ))
                })?;
                replace(&mut self.retry_after, seconds, duplicate)
            }
            _ => Err(error(format!("unknown key {key:?}: a rule has {KEYS}"))),
        }
    }

    fn finish(self, form: Form) -> Result<FaultRule, FaultRuleError> {
        let what = self
            .what
            .ok_or_else(|| error(format!("what is missing: one of {ACTIONS}")))?;
        let when = match (form, self.when) {
            (Form::Rule, Some(when)) => when,
            (Form::Rule, None) => return Err(error(format!("when is missing: one of {TRIGGERS}"))),
            (Form::OneRequest, None) => Trigger::Always,
            (Form::OneRequest, Some(_)) => return Err(one_request_only("when")),
        };
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
        if self.retry_after.is_some() && !matches!(what, Action::Status(_)) {
            return Err(error("retry_after goes with what=status:CODE only"));
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
            (None, Some(_)) => FaultRoute::Query,
            (None, None) => FaultRoute::All,
            (Some(route), Some(what)) if route != FaultRoute::Query => {
                return Err(error(format!("{what} applies to route=query only")));
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
    error(format!(
        "x-mock-fault faults its own request only: leave out {key} (give what, and retry_after with a status)"
    ))
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
        _ => Err(error(format!(
            "{what} must be a whole number from 1, not {text:?}"
        ))),
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
                return Err(error(format!(
                    "probability:P needs P from 0 to 1, not {argument:?}"
                )));
            }
        },
        "window" => {
            let (start, end) = argument.split_once("..").ok_or_else(|| {
                error(format!(
                    "window:START..END needs two RFC 3339 times, not {argument:?}"
                ))
            })?;
            let (start, end) = (time(start)?, time(end)?);
            if start >= end {
                return Err(error(format!(
                    "window {argument}: START must be before END"
                )));
            }
            Trigger::Window { start, end }
        }
        _ => {
            return Err(error(format!(
                "unknown trigger {text:?}: expected {TRIGGERS}"
            )));
        }
    };
    Ok(trigger)
}

fn time(text: &str) -> Result<DateTime<Utc>, FaultRuleError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| error(format!("{:?} is not an RFC 3339 time: {e}", text.trim())))
}

fn duration(text: &str) -> Result<std::time::Duration, FaultRuleError> {
    parse_duration(text).map_err(error)
}

fn parse_action(text: &str) -> Result<Action, FaultRuleError> {
    let (kind, argument) = text.split_once(':').unwrap_or((text, ""));
    let argument = argument.trim();
    let bare = argument.is_empty();
    let action = match kind.trim() {
        "status" => match argument.parse::<u16>() {
            Ok(code) if (200..=599).contains(&code) => Action::Status(code),
            _ => {
                return Err(error(format!(
                    "status:CODE needs a final status from 200 to 599, not {argument:?}"
                )));
            }
        },
        "delay" => match argument.split_once("..") {
            Some((min, max)) => {
                let (min, max) = (duration(min)?, duration(max)?);
                if min > max {
                    return Err(error(format!("delay:{argument}: MIN is above MAX")));
                }
                Action::DelayBetween(min, max)
            }
            None => Action::Delay(duration(argument)?),
        },
        "truncate" => Action::Truncate(argument.parse().map_err(|_| {
            error(format!(
                "truncate:BYTES needs a whole number of bytes, not {argument:?}"
            ))
        })?),
        "slow_body" => Action::SlowBody(duration(argument)?),
        "stale_next" => Action::StaleNext(positive("stale_next:K", argument)? as usize),
        "reset" if bare => Action::Reset,
        "close_after_headers" if bare => Action::CloseAfterHeaders,
        "malformed" if bare => Action::Malformed,
        "drop_next" if bare => Action::DropNext,
        "empty_page" if bare => Action::EmptyPage,
        _ => {
            return Err(error(format!(
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
            error(format!(
                "{part:?} is not KEY=VALUE (a rule reads like when=nth:3,what=status:503)"
            ))
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

impl FaultRule {
    /// Reads the `x-mock-fault` header's form: `what=ACTION[,retry_after=SECS]`, for the
    /// request that carries it (`when` is implied).
    ///
    /// ```
    /// use altinn_events_mock::faults::{Action, FaultRule};
    ///
    /// let rule = FaultRule::for_one_request("what=status:503,retry_after=1").unwrap();
    /// assert_eq!(rule.what, Action::Status(503));
    /// assert!(FaultRule::for_one_request("when=nth:2,what=reset").is_err());
    /// ```
    pub fn for_one_request(text: &str) -> Result<FaultRule, FaultRuleError> {
        parse_spelling(text, Form::OneRequest)
    }

    /// Reads the JSON form: an object with the spelling's keys (`times` and `retry_after` may
    /// be numbers, `null` is absent), or a string holding the spelling. What
    /// `GET /_mock/faults` adds (`id`, `rule`, `matched`, `fired`) is ignored, so a listed rule
    /// can be posted back; an object with only `rule` reads that spelling.
    pub fn from_json(value: &Value) -> Result<FaultRule, FaultRuleError> {
        let object = match value {
            Value::String(text) => return text.parse(),
            Value::Object(object) => object,
            _ => {
                return Err(error(
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
                _ => return Err(error(format!("{key} must be a string or a number"))),
            };
            draft.set(key, &text)?;
        }
        draft.finish(Form::Rule)
    }
}

impl<'de> serde::Deserialize<'de> for FaultRule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<FaultRule, D::Error> {
        let value = Value::deserialize(deserializer)?;
        FaultRule::from_json(&value).map_err(serde::de::Error::custom)
    }
}
