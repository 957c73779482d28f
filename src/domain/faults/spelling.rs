//! Reading rules: the `when=…,what=…` spelling, its JSON form with the same keys, the
//! one-request form of the `x-mock-fault` header, and the typed constructors. All of them go
//! through one [`Draft`], so they accept and refuse the same things with the same messages.

use std::str::FromStr;

use serde_json::Value;

use super::rule::{Action, FaultRule, FaultRuleError, FaultRuleErrorKind as Kind, Trigger};
use super::values::{
    ACTIONS, TRIGGERS, check_action, check_trigger, invalid, parse_action, parse_route,
    parse_trigger, positive,
};
use crate::domain::route::{Route, RouteFilter};

const KEYS: &str = "when, what, route, org, app, times and retry_after";
fn error(kind: Kind, message: impl Into<String>) -> FaultRuleError {
    FaultRuleError::new(kind, message)
}

/// A rule being read, key by key.
#[derive(Default)]
struct Draft {
    when: Option<Trigger>,
    what: Option<Action>,
    route: Option<RouteFilter>,
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
            // The default is not a given route: adding org/app to an API-wide rule narrows it
            // to queries instead of contradicting it.
            route: (rule.route != RouteFilter::Api).then_some(rule.route),
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
        // Org/app filters only make sense for the app owners' query, page actions for the
        // queries that serve pages; without a route both imply the app owners' query.
        let narrowing = if self.org.is_some() || self.app.is_some() {
            Some(("org and app".to_owned(), "route=query", false))
        } else if what.is_page_action() {
            Some((
                format!("what={what}"),
                "route=query, party or generic",
                true,
            ))
        } else {
            None
        };
        let route = match (self.route, narrowing) {
            (None, Some(_)) => RouteFilter::Only(Route::Query),
            (None, None) => RouteFilter::Api,
            (Some(route), Some((what, routes, any_page_route))) => {
                let fits = match route {
                    RouteFilter::Only(only) => {
                        only == Route::Query || (any_page_route && only.serves_pages())
                    }
                    RouteFilter::Api | RouteFilter::All => false,
                };
                if !fits {
                    return Err(error(
                        Kind::Conflict,
                        format!("{what} applies to {routes} only"),
                    ));
                }
                route
            }
            (Some(route), None) => route,
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
    /// A rule firing `when` with `what` on the faked API's endpoints (page actions: on
    /// queries), checked.
    pub fn new(when: Trigger, what: Action) -> Result<FaultRule, FaultRuleError> {
        Draft {
            when: Some(when),
            what: Some(what),
            ..Draft::default()
        }
        .finish(Form::Rule)
    }

    /// The rule, seeing only requests to `route` (a [`Route`], or a [`RouteFilter`]).
    pub fn with_route(self, route: impl Into<RouteFilter>) -> Result<FaultRule, FaultRuleError> {
        let route = route.into();
        self.changed(|draft| draft.route = Some(route))
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
