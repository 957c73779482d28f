//! Production's `getappevents_v2`, which both app queries call: the app owners' query with a
//! resource (`urn:altinn:resource:app_{org}_{app}`) and maybe a subject, the party's query with
//! a subject and maybe `source` patterns. Checks in order, then selection (`LIMIT size` before
//! the authorization filter), then the filter the caller's stand-in decides.

use chrono::{DateTime, Utc};

use super::authorization::keep_authorized;
use super::binding::BoundQuery;
use super::like::{EndsWithEscape, LikePattern};
use super::rules::{PROBLEM_NO_SUBJECT, check_rules, select_subject};
use super::{NetDateTime, QueryError};
use crate::domain::event::{Event, ReadAccess, app_resource};
use crate::domain::store::{
    EventStore, Lane, Narrowing, Scan, StoredEvent, TimeBounds, TypeFilter, Visibility,
};

/// One `type` or `source` value: a `LIKE` pattern, or `None` for a blank value, which binds as
/// SQL `NULL` and so matches no event.
pub(super) type PatternFilter = Option<LikePattern>;

/// A checked query, ready to select a page.
#[derive(Debug, Clone)]
pub(crate) struct EventQuery {
    /// The app owners' query: this resource only. The party's query: any resource.
    resource: Option<String>,
    subject: Option<String>,
    after: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    types: Option<Vec<PatternFilter>>,
    sources: Option<Vec<PatternFilter>>,
    /// What every match of `sources` starts with, for the store's source index.
    source_prefixes: Vec<String>,
    size: usize,
}

/// PostgreSQL rejects NUL in text parameters and a LIKE pattern ending in its escape.
pub(super) const DATABASE_ERROR: &str = "the database refused a parameter";

impl EventQuery {
    /// Checks a bound query for app `org`/`app` as production does after authentication and
    /// the org-claim check: rules 1–7, then the party lookup (8, 9), then what the database
    /// would refuse.
    pub(crate) fn plan(
        org: &str,
        app: &str,
        bound: &BoundQuery,
        store: &EventStore,
    ) -> Result<EventQuery, QueryError> {
        check_rules(bound).map_err(QueryError::Invalid)?;
        let subject = select_subject(bound, |identifier| store.lookup_party(identifier))?;
        EventQuery::planned(
            bound,
            Some(app_resource(org, app)),
            subject,
            &[org, app],
            &[],
        )
    }

    /// Checks a bound query as production's `GetForParty` does: rules 1–7, then rule 8 (a
    /// subject is required), then the party lookup, then what the database would refuse.
    /// `source` joins the filters; there is no resource.
    pub(crate) fn plan_for_party(
        bound: &BoundQuery,
        store: &EventStore,
    ) -> Result<EventQuery, QueryError> {
        check_rules(bound).map_err(QueryError::Invalid)?;
        if bound.person.is_none() && bound.unit.is_none() && bound.party <= 0 {
            return Err(QueryError::Invalid(PROBLEM_NO_SUBJECT));
        }
        let subject = select_subject(bound, |identifier| store.lookup_party(identifier))?;
        EventQuery::planned(bound, None, subject, &[], &bound.sources)
    }

    fn planned(
        bound: &BoundQuery,
        resource: Option<String>,
        subject: Option<String>,
        path_values: &[&str],
        sources: &[Option<String>],
    ) -> Result<EventQuery, QueryError> {
        let texts = path_values
            .iter()
            .copied()
            .chain(bound.after.as_deref())
            .chain(
                bound
                    .types
                    .iter()
                    .chain(sources)
                    .flatten()
                    .map(String::as_str),
            );
        if texts.clone().any(|text| text.contains('\0')) {
            return Err(QueryError::Unhandled(DATABASE_ERROR));
        }
        let types = compile_all(&bound.types, LikePattern::compile)?;
        let sources = compile_all(sources, LikePattern::compile)?;
        let source_prefixes = sources
            .iter()
            .flatten()
            .flatten()
            .map(LikePattern::literal_prefix)
            .collect();
        let instant = |value: &Option<NetDateTime>| match value {
            Some(NetDateTime::Zoned(instant)) => Some(*instant),
            _ => None,
        };
        Ok(EventQuery {
            resource,
            subject,
            after: bound.after.clone(),
            from: instant(&bound.from),
            to: instant(&bound.to),
            types,
            sources,
            source_prefixes,
            // `size` is at least 1 here; a page can never hold more than the store anyway.
            size: usize::try_from(bound.size).unwrap_or(1),
        })
    }

    /// Selects the page: production's SQL (`LIMIT size` included, the visibility cut by
    /// sequence number at `registered_by`), then its authorization filter, which throws on an
    /// event it cannot map and keeps the events `permitted` accepts (spec §4.6, §5).
    pub(crate) fn run(
        &self,
        store: &EventStore,
        registered_by: Option<DateTime<Utc>>,
        permitted: impl Fn(&StoredEvent) -> bool,
    ) -> Result<Vec<StoredEvent>, QueryError> {
        let lane = match (&self.resource, &self.subject) {
            (Some(resource), subject) => Lane::Resource {
                resource,
                narrowed: subject.as_deref().map(Narrowing::Subject),
            },
            (None, Some(subject)) => Lane::Subject {
                subject,
                source_prefixes: self
                    .sources
                    .as_ref()
                    .map(|_| self.source_prefixes.as_slice()),
            },
            // The party query always selects a subject (rule 8).
            (None, None) => return Ok(Vec::new()),
        };
        let types = |event_type: &str| any_matches(&self.types, || event_type);
        let scan = Scan {
            lane,
            types: self.types.as_ref().map(|_| &types as TypeFilter<'_>),
            times: TimeBounds {
                from: self.from,
                to: self.to,
            },
            after: self.after.as_deref(),
            visibility: registered_by.map_or(Visibility::All, Visibility::SequenceCut),
            limit: self.size,
        };
        let page = store.scan(&scan, |event| self.matches(event));
        if page
            .iter()
            .any(|stored| *stored.event.read_access() == ReadAccess::Fails)
        {
            return Err(QueryError::Unhandled(
                "the authorization mapper threw on an event",
            ));
        }
        Ok(keep_authorized(page, store, permitted))
    }

    /// The `WHERE` conditions besides resource, subject, type (the store's, through its type
    /// index) and sequence number.
    fn matches(&self, event: &Event) -> bool {
        // An event without `time` compares as SQL `NULL`: never inside a bound.
        let time = event.time();
        let before_from = self.from.is_some_and(|from| time.is_none_or(|t| t < from));
        let after_to = self.to.is_some_and(|to| time.is_none_or(|t| t > to));
        if before_from || after_to {
            return false;
        }
        any_matches(&self.sources, || event.source())
    }
}

/// `value LIKE ANY(patterns)`; no list at all means no condition (and `value`, which costs a
/// little to read, is not read).
pub(super) fn any_matches<'e>(
    patterns: &Option<Vec<PatternFilter>>,
    value: impl FnOnce() -> &'e str,
) -> bool {
    match patterns {
        None => true,
        Some(patterns) => {
            let value = value();
            patterns.iter().flatten().any(|p| p.matches(value))
        }
    }
}

/// Each value compiled (a blank one stays `None`), or the database's 500 for a pattern that
/// ends in its escape; no values at all is no condition.
pub(super) fn compile_all(
    values: &[Option<String>],
    compile: fn(&str) -> Result<LikePattern, EndsWithEscape>,
) -> Result<Option<Vec<PatternFilter>>, QueryError> {
    if values.is_empty() {
        return Ok(None);
    }
    let compiled: Result<Vec<PatternFilter>, EndsWithEscape> = values
        .iter()
        .map(|value| value.as_deref().map(compile).transpose())
        .collect();
    compiled
        .map(Some)
        .map_err(|_| QueryError::Unhandled(DATABASE_ERROR))
}
