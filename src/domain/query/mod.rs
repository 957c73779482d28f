//! The pure core of the three queries: `GET /events/api/v1/app/{org}/{app}` (app owners),
//! `GET /events/api/v1/app/party` (parties) and `GET /events/api/v1/events` (generic events):
//! binding, production's checks in order, the party lookup, selection, the authorization
//! stand-ins and the `next` link. No HTTP here: a handler parses, plans a query, runs it and
//! renders what comes back.
//!
//! The first two share production's controller and SQL function (`getappevents_v2`), so they
//! share [`EventQuery`] and the rules in `rules`; the generic query is production's
//! `getevents_v2` ([`GenericQuery`]).

mod app_events;
mod authorization;
mod binding;
mod datetime;
mod generic;
mod like;
mod next_link;
mod params;
mod path;
mod rules;

use bytes::Bytes;

pub(crate) use app_events::EventQuery;
pub(crate) use authorization::PartyReader;
pub(crate) use binding::{BindingErrors, BoundQuery, bind, parse_int32};
pub(crate) use datetime::NetDateTime;
pub(crate) use generic::{GenericQuery, bind_generic, generic_next_link};
pub(crate) use next_link::{is_valid_header_value, link_with};
pub(crate) use params::{QueryParams, decode_path_segment};
pub(crate) use path::request_path;

use crate::domain::store::StoredEvent;

/// Why production would not answer a query with a page of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum QueryError {
    /// A rule production answers with a 400 and this detail.
    Invalid(&'static str),
    /// The party register refused the lookup; production answers 500.
    RegisterRejected(RegisterRejection),
    /// The party register does not know the unit or person: a 404.
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

/// `[` + the events joined by `", "` + `]`, from bytes rendered at insert.
pub(crate) fn render_page(page: &[StoredEvent]) -> Bytes {
    let size = page
        .iter()
        .map(|stored| stored.event.json_bytes().len() + 2)
        .sum::<usize>()
        + 2;
    // A Vec sized once: plain copies, where BytesMut checked its room before each one.
    let mut body = Vec::with_capacity(size);
    body.push(b'[');
    for (i, stored) in page.iter().enumerate() {
        if i > 0 {
            body.extend_from_slice(b", ");
        }
        body.extend_from_slice(stored.event.json_bytes());
    }
    body.push(b']');
    Bytes::from(body)
}

#[cfg(test)]
mod tests;
