//! The checks the app owners' and the party's queries share (production's
//! `AppController.ValidateQueryParams`, rules 1–7) and the party lookup that turns `unit` and
//! `person` into a subject (the party register's answers).

use super::binding::BoundQuery;
use super::datetime::NetDateTime;
use super::{QueryError, RegisterRejection};
use crate::domain::store::PartyIdentifier;

pub(super) const PROBLEM_FROM_OR_AFTER: &str = "The 'From' or 'After' parameter must be defined.";
pub(super) const PROBLEM_FROM_ZONE: &str =
    "The 'From' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC";
pub(super) const PROBLEM_TO_ZONE: &str =
    "The 'To' parameter must specify timezone. E.g. 2022-07-07T11:00:53.3917Z for UTC";
// Quirk: production's message says "larger that 0".
pub(super) const PROBLEM_SIZE: &str = "The 'Size' parameter must be a number larger that 0.";
pub(super) const PROBLEM_PARTY_AND_PERSON: &str = "Only one of 'Party' or 'Person' can be defined.";
pub(super) const PROBLEM_PARTY_AND_UNIT: &str = "Only one of 'Party' or 'Unit' can be defined.";
pub(super) const PROBLEM_UNIT_DIGITS: &str = "Value of 'Unit' needs to be exactly 9 digits.";
/// The party query's rule 8.
pub(super) const PROBLEM_NO_SUBJECT: &str =
    "Subject must be specified using either query params party or unit or header value person.";

/// Production's rules 1–7, first failure wins.
pub(super) fn check_rules(query: &BoundQuery) -> Result<(), &'static str> {
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
pub(super) fn select_subject(
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
