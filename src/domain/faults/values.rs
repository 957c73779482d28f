//! The values a rule's keys take: reading triggers, actions and routes from their spelling, and
//! the checks every rule passes however it was built.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::rule::{Action, FaultRuleError, FaultRuleErrorKind, Trigger};
use crate::domain::route::{Route, RouteFilter};
use crate::domain::units::parse_duration;

pub(super) const TRIGGERS: &str =
    "always, nth:N, first:N, every:K, probability:P or window:START..END (RFC 3339)";
pub(super) const ACTIONS: &str = "status:CODE, delay:DURATION, delay:MIN..MAX, reset, close_after_headers, \
     truncate:BYTES, malformed, slow_body:DURATION, drop_next, stale_next:K or empty_page";

pub(super) fn invalid(message: impl Into<String>) -> FaultRuleError {
    FaultRuleError::new(FaultRuleErrorKind::InvalidValue, message)
}

pub(super) fn positive(what: &str, text: &str) -> Result<u64, FaultRuleError> {
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(invalid(format!(
            "{what} must be a whole number from 1, not {text:?}"
        ))),
    }
}

pub(super) fn parse_route(name: &str) -> Result<RouteFilter, FaultRuleError> {
    RouteFilter::named(name).ok_or_else(|| {
        invalid(format!(
            "unknown route {name:?}: expected api, all, {}",
            Route::fault_rule_names()
        ))
    })
}

/// The values a trigger may take, whichever way it was given.
pub(super) fn check_trigger(trigger: Trigger) -> Result<(), FaultRuleError> {
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
pub(super) fn check_action(action: Action) -> Result<(), FaultRuleError> {
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

/// Delays and slow bodies longer than this are refused unless the server raises the cap: an
/// unbounded one would hold a connection (and a slot of the connection cap) for ever.
pub(crate) const DEFAULT_MAX_FAULT_DURATION: Duration = Duration::from_secs(10 * 60);

/// The longest an action holds a request may not pass `cap`.
pub(super) fn check_duration_cap(action: Action, cap: Duration) -> Result<(), FaultRuleError> {
    let longest = match action {
        Action::Delay(duration) | Action::SlowBody(duration) => duration,
        Action::DelayBetween(_, max) => max,
        _ => return Ok(()),
    };
    if longest <= cap {
        return Ok(());
    }
    Err(invalid(format!(
        "{action} is longer than the cap of {} on fault durations (raise it with --max-fault-duration)",
        human_duration(cap)
    )))
}

/// `10m`, `2h`, `90s`, `250ms`: as a person would write the cap.
fn human_duration(duration: Duration) -> String {
    let millis = duration.as_millis();
    match millis {
        m if m > 0 && m % 3_600_000 == 0 => format!("{}h", m / 3_600_000),
        m if m > 0 && m % 60_000 == 0 => format!("{}m", m / 60_000),
        m if m % 1000 == 0 => format!("{}s", m / 1000),
        m => format!("{m}ms"),
    }
}

pub(super) fn parse_trigger(text: &str) -> Result<Trigger, FaultRuleError> {
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

pub(super) fn time(text: &str) -> Result<DateTime<Utc>, FaultRuleError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|time| time.with_timezone(&Utc))
        .map_err(|e| invalid(format!("{:?} is not an RFC 3339 time: {e}", text.trim())))
}

pub(super) fn duration(text: &str) -> Result<std::time::Duration, FaultRuleError> {
    parse_duration(text).map_err(invalid)
}

pub(super) fn parse_action(text: &str) -> Result<Action, FaultRuleError> {
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
