//! The pure core of `GET /events/api/v1/app/{org}/{app}`: binding, production's checks in
//! order, the party lookup, selection and the authorization filter (spec §1, §2, §4, §5).
//! No HTTP here: the handler parses, calls [`EventQuery::plan`] and [`EventQuery::run`], and
//! renders what comes back.

mod binding;
mod datetime;
mod like;
mod next_link;
mod params;
mod path;

use bytes::{BufMut, Bytes, BytesMut};
use chrono::{DateTime, Utc};

pub(crate) use binding::{BindingErrors, BoundQuery, bind};
pub(crate) use datetime::NetDateTime;
pub(crate) use like::{EndsWithEscape, LikePattern};
pub(crate) use next_link::{is_valid_header_value, link_with};
pub(crate) use params::{QueryParams, decode_path_segment};
pub(crate) use path::request_path;

use crate::domain::event::{Event, ReadAccess, app_resource};
use crate::domain::store::{EventStore, PartyIdentifier, Scan, StoredEvent};

/// Why production would not answer a query with a page of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// Rules 1–7: a 400 with this detail.
    Invalid(&'static str),
    /// Rule 8: the party register refused the lookup; production answers 500.
    RegisterRejected(RegisterRejection),
    /// Rule 9: the party register does not know the unit or person.
    PartyNotFound,
    /// Production throws (a database error, an authorization mapper error or an invalid
    /// response header) and its exception handler answers 500.
    Unhandled(&'static str),
}

/// The validation error the party register answers a bad lookup with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RegisterRejection {
    /// The register's model property, `Ssn` or `OrgNo`.
    pub field: &'static str,
    /// The register's message.
    pub message: &'static str,
}

/// One `type` value: a `LIKE` pattern, or `None` for a blank value, which binds as SQL `NULL`
/// and so matches no event.
type TypeFilter = Option<LikePattern>;

/// A checked query, ready to select a page.
#[derive(Debug, Clone)]
pub(crate) struct EventQuery {
    resource: String,
    subject: Option<String>,
    after: Option<String>,
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    types: Option<Vec<TypeFilter>>,
    size: usize,
}

const PROBLEM_FROM_OR_AFTER: &str = "The 'From' or 'After' parameter must be defined.";
const PROBLEM_FROM_ZONE: &str =
    "The 'From' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC";
const PROBLEM_TO_ZONE: &str =
    "The 'To' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC";
// Quirk: production's message says "larger that 0".
const PROBLEM_SIZE: &str = "The 'Size' parameter must be a number larger that 0.";
const PROBLEM_PARTY_AND_PERSON: &str = "Only one of 'Party' or 'Person' can be defined.";
const PROBLEM_PARTY_AND_UNIT: &str = "Only one of 'Party' or 'Unit' can be defined.";
const PROBLEM_UNIT_DIGITS: &str = "Value of 'Unit' needs to be exactly 9 digits.";

/// Production's rules 1–7, first failure wins.
pub(crate) fn check_rules(query: &BoundQuery) -> Result<(), &'static str> {
    if query.after.is_none() && query.from.is_none() {
        return Err(PROBLEM_FROM_OR_AFTER);
    }
    if matches!(query.from, Some(NetDateTime::Unzoned(_))) {
        return Err(PROBLEM_FROM_ZONE);
    }
    if matches!(query.to, Some(NetDateTime::Unzoned(_))) {
        return Err(PROBLEM_TO_ZONE);
    }
    if query.size < 1 {
        return Err(PROBLEM_SIZE);
    }
    if query.person.is_some() && query.party > 0 {
        return Err(PROBLEM_PARTY_AND_PERSON);
    }
    if query.unit.is_some() && query.party > 0 {
        return Err(PROBLEM_PARTY_AND_UNIT);
    }
    if let Some(unit) = &query.unit
        && !is_digits(unit, 9)
    {
        return Err(PROBLEM_UNIT_DIGITS);
    }
    Ok(())
}

/// Exactly `len` ASCII digits.
fn is_digits(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| b.is_ascii_digit())
}

/// The subject a query selects, asking `lookup` (the party register) for a unit or person
/// (rules 8 and 9, spec §4.1).
pub(crate) fn select_subject(
    query: &BoundQuery,
    lookup: impl Fn(&PartyIdentifier) -> Option<u32>,
) -> Result<Option<String>, QueryError> {
    let mut party = i64::from(query.party);
    if party <= 0 && (query.unit.is_some() || query.person.is_some()) {
        let identifier = register_lookup(query).map_err(QueryError::RegisterRejected)?;
        party = i64::from(lookup(&identifier).ok_or(QueryError::PartyNotFound)?);
    }
    // Production filters on the subject unless the party id is exactly 0, so a negative
    // party selects `/party/-5` and always finds nothing.
    Ok((party != 0).then(|| format!("/party/{party}")))
}

/// What the register's lookup model accepts: one of an 11-digit `Ssn` and a 9-digit `OrgNo`.
/// Its per-field checks run before the "only one" rule.
fn register_lookup(query: &BoundQuery) -> Result<PartyIdentifier, RegisterRejection> {
    if let Some(person) = &query.person
        && !is_digits(person, 11)
    {
        return Err(RegisterRejection {
            field: "Ssn",
            message: "Value needs to be exactly 11 digits.",
        });
    }
    match (&query.person, &query.unit) {
        (Some(_), Some(_)) => Err(RegisterRejection {
            field: "OrgNo",
            message: "Only one of Ssn and OrgNo is allowed.",
        }),
        (Some(person), None) => Ok(PartyIdentifier::Person(person.clone())),
        (None, Some(unit)) => Ok(PartyIdentifier::Unit(unit.clone())),
        (None, None) => Err(RegisterRejection {
            field: "Ssn",
            message: "Either Ssn or OrgNo is required.",
        }),
    }
}

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

        // PostgreSQL rejects NUL in text parameters and a LIKE pattern ending in its escape.
        const DATABASE_ERROR: &str = "the database refused a parameter";
        let has_nul = |s: &str| s.contains('\0');
        let texts = [org, app]
            .into_iter()
            .chain(bound.after.as_deref())
            .chain(bound.types.iter().flatten().map(String::as_str));
        if texts.clone().any(has_nul) {
            return Err(QueryError::Unhandled(DATABASE_ERROR));
        }
        let types = if bound.types.is_empty() {
            None
        } else {
            let compiled: Result<Vec<TypeFilter>, EndsWithEscape> = bound
                .types
                .iter()
                .map(|t| t.as_deref().map(LikePattern::compile).transpose())
                .collect();
            Some(compiled.map_err(|_| QueryError::Unhandled(DATABASE_ERROR))?)
        };

        let instant = |value: &Option<NetDateTime>| match value {
            Some(NetDateTime::Zoned(instant)) => Some(*instant),
            _ => None,
        };
        Ok(EventQuery {
            resource: app_resource(org, app),
            subject,
            after: bound.after.clone(),
            from: instant(&bound.from),
            to: instant(&bound.to),
            types,
            // `size` is at least 1 here; a page can never hold more than the store anyway.
            size: usize::try_from(bound.size).unwrap_or(1),
        })
    }

    /// Selects the page: production's SQL (`LIMIT size` included), then its authorization
    /// filter, which keeps only events whose source names `caller_org` (spec §4.6, §5).
    pub(crate) fn run(
        &self,
        store: &EventStore,
        caller_org: &str,
        registered_by: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredEvent>, QueryError> {
        let scan = Scan {
            resource: &self.resource,
            subject: self.subject.as_deref(),
            after: self.after.as_deref(),
            registered_by,
            limit: self.size,
        };
        let mut page = store.scan(&scan, |event| self.matches(event));
        if page
            .iter()
            .any(|stored| *stored.event.read_access() == ReadAccess::Fails)
        {
            return Err(QueryError::Unhandled(
                "the authorization mapper threw on an event",
            ));
        }
        page.retain(|stored| matches!(stored.event.read_access(), ReadAccess::Org(org) if org == caller_org));
        Ok(page)
    }

    /// The `WHERE` conditions besides resource, subject and sequence number.
    fn matches(&self, event: &Event) -> bool {
        // An event without `time` compares as SQL `NULL`: never inside a bound.
        let time = event.time();
        let before_from = self.from.is_some_and(|from| time.is_none_or(|t| t < from));
        let after_to = self.to.is_some_and(|to| time.is_none_or(|t| t > to));
        if before_from || after_to {
            return false;
        }
        match &self.types {
            None => true,
            Some(patterns) => patterns
                .iter()
                .flatten()
                .any(|pattern| pattern.matches(event.event_type())),
        }
    }
}

/// `[` + the events joined by `", "` + `]`, from bytes rendered at insert.
pub(crate) fn render_page(page: &[StoredEvent]) -> Bytes {
    let size = page
        .iter()
        .map(|stored| stored.event.json_bytes().len() + 2)
        .sum::<usize>()
        + 2;
    let mut body = BytesMut::with_capacity(size);
    body.put_u8(b'[');
    for (i, stored) in page.iter().enumerate() {
        if i > 0 {
            body.put_slice(b", ");
        }
        body.put_slice(stored.event.json_bytes());
    }
    body.put_u8(b']');
    body.freeze()
}

#[cfg(test)]
mod tests;
