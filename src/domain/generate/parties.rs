//! Synthetic parties: persons and organisations with valid mod-11 identity numbers, each
//! keeping its number for every instance it owns.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate};
use rand::{Rng, RngExt};

use crate::domain::identity::{org_number_from_stem, person_number_from_stem};
use crate::domain::store::PartyIdentifier;

/// A party that owns instances.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owner {
    /// Its party id, as in `subject` `/party/{id}`.
    pub id: u32,
    /// `/party/{id}`.
    pub subject: String,
    /// `/person/{11 digits}` or `/org/{9 digits}`.
    pub alternative_subject: String,
    /// The number the party register knows it by.
    pub identifier: PartyIdentifier,
}

/// Share of parties that are persons; the rest are organisations.
const PERSON_SHARE: f64 = 0.8;

/// Makes `count` parties with distinct, valid identity numbers.
pub(super) fn make_parties(rng: &mut impl Rng, count: usize) -> Vec<Owner> {
    let mut used = HashSet::new();
    (0..count)
        .map(|i| {
            // Blocks of ten keep ids distinct while looking irregular; from 60 000 000 up, clear
            // of the demo data's 50 000 000s.
            let id = 60_000_000 + (i as u32) * 10 + rng.random_range(0..10);
            let identifier = loop {
                let candidate = if rng.random_bool(PERSON_SHARE) {
                    person(rng)
                } else {
                    organisation(rng)
                };
                if let Some(identifier) = candidate.filter(|c| !used.contains(c)) {
                    used.insert(identifier.clone());
                    break identifier;
                }
            };
            let alternative_subject = match &identifier {
                PartyIdentifier::Person(number) => format!("/person/{number}"),
                PartyIdentifier::Unit(number) => format!("/org/{number}"),
            };
            Owner {
                id,
                subject: format!("/party/{id}"),
                alternative_subject,
                identifier,
            }
        })
        .collect()
}

/// A national identity number: a birth date between 1940 and 2005, an individual number, and
/// the two check digits (`None` for the stems that have none).
fn person(rng: &mut impl Rng) -> Option<PartyIdentifier> {
    let first = NaiveDate::from_ymd_opt(1940, 1, 1)?;
    let born = first + chrono::Days::new(rng.random_range(0..365 * 65));
    // Individual numbers 000–499 mean a birth in the 1900s, 500–999 one in the 2000s.
    let individual = if born.year() >= 2000 {
        rng.random_range(500..1000u64)
    } else {
        rng.random_range(0..500u64)
    };
    let stem = u64::from(born.day()) * 10_000_000
        + u64::from(born.month()) * 100_000
        + (born.year() % 100) as u64 * 1_000
        + individual;
    person_number_from_stem(stem).map(PartyIdentifier::Person)
}

/// An organisation number starting with 8 or 9, with its check digit.
fn organisation(rng: &mut impl Rng) -> Option<PartyIdentifier> {
    let stem = rng.random_range(80_000_000..100_000_000u32);
    org_number_from_stem(stem).map(PartyIdentifier::Unit)
}
