//! The pure core of `GET /events/api/v1/events` (generic events contract, part I): binding,
//! production's checks in order, selection (`getevents_v2`: exact resource, subject or
//! alternative subject, case-sensitive `type LIKE`, the per-row visibility lag, `LIMIT`), and
//! the `next` link with the `subject` production appends.

use chrono::{DateTime, Utc};

use super::app_events::{DATABASE_ERROR, PatternFilter, any_matches, compile_all};
use super::authorization::keep_authorized;
use super::binding::{bind_int, list, non_blank};
use super::like::LikePattern;
use super::next_link::link_with;
use super::params::QueryParams;
use super::{BindingErrors, QueryError};
use crate::domain::store::{
    EventStore, Lane, Narrowing, Scan, StoredEvent, TimeBounds, TypeFilter, Visibility,
};

/// Production's action parameters after binding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GenericBound {
    /// `resource`, required.
    pub(crate) resource: String,
    /// `after`; blank binds as absent.
    pub(crate) after: Option<String>,
    /// `subject`; blank binds as absent.
    pub(crate) subject: Option<String>,
    /// The `Altinn-AlternativeSubject` header, its lines joined by commas.
    pub(crate) alternative_subject: Option<String>,
    /// Every `type` value; a blank one binds as `None`.
    pub(crate) types: Vec<Option<String>>,
    /// `size` as bound (default 0), before production clamps it.
    pub(crate) size: i32,
}

/// Binds the query and the `Altinn-AlternativeSubject` header lines as production binds its
/// parameters: `resource` is `[Required]`, `size` an `int`.
pub(crate) fn bind_generic(
    query: &QueryParams,
    alternative_subject_header: &[&str],
) -> Result<GenericBound, BindingErrors> {
    let mut errors = BindingErrors::default();
    let size = bind_int(query, "size", 0, &mut errors);
    let resource = non_blank(query.first("resource"));
    if resource.is_none() {
        errors
            .errors
            .push(("resource", "The resource field is required.".to_owned()));
    }
    let Some(resource) = resource.filter(|_| errors.errors.is_empty()) else {
        return Err(errors.in_model_state_order());
    };
    Ok(GenericBound {
        resource,
        after: non_blank(query.first("after")),
        subject: non_blank(query.first("subject")),
        alternative_subject: non_blank(Some(&alternative_subject_header.join(","))),
        types: list(query, "type"),
        size,
    })
}

const PROBLEM_RESOURCE_PREFIX: &str =
    "The 'resource' parameter must begin with `urn:altinn:resource:`";
const PROBLEM_AFTER: &str = "The 'after' parameter must be defined.";
const PROBLEM_SUBJECT_AND_ALTERNATIVE: &str =
    "Only one of 'subject' or 'alternativeSubject' can be defined.";

/// A checked generic query, ready to select a page.
#[derive(Debug, Clone)]
pub(crate) struct GenericQuery {
    resource: String,
    subject: Option<String>,
    alternative_subject: Option<String>,
    after: String,
    types: Option<Vec<PatternFilter>>,
    size: usize,
}

impl GenericQuery {
    /// Production's `ValidateQueryParams` (rules 1–3), then what the database would refuse.
    /// `size` is clamped to 1–1000 first (below 1 means 50), never refused.
    pub(crate) fn plan(bound: &GenericBound) -> Result<GenericQuery, QueryError> {
        if !bound.resource.starts_with("urn:altinn:resource:") {
            return Err(QueryError::Invalid(PROBLEM_RESOURCE_PREFIX));
        }
        let Some(after) = bound.after.clone() else {
            return Err(QueryError::Invalid(PROBLEM_AFTER));
        };
        if bound.subject.is_some() && bound.alternative_subject.is_some() {
            return Err(QueryError::Invalid(PROBLEM_SUBJECT_AND_ALTERNATIVE));
        }
        let has_nul = [&bound.resource, &after]
            .into_iter()
            .chain(&bound.subject)
            .chain(&bound.alternative_subject)
            .chain(bound.types.iter().flatten())
            .any(|text| text.contains('\0'));
        if has_nul {
            return Err(QueryError::Unhandled(DATABASE_ERROR));
        }
        let size = if bound.size < 1 {
            50
        } else {
            bound.size.min(1000)
        };
        Ok(GenericQuery {
            resource: bound.resource.clone(),
            subject: bound.subject.clone(),
            alternative_subject: bound.alternative_subject.clone(),
            after,
            types: compile_all(&bound.types, LikePattern::compile_case_sensitive)?,
            size: usize::try_from(size).unwrap_or(50),
        })
    }

    /// Selects the page (hiding each event registered after `registered_by`), then keeps what
    /// `permitted` accepts as production maps its policy engine's answers back.
    pub(crate) fn run(
        &self,
        store: &EventStore,
        registered_by: Option<DateTime<Utc>>,
        permitted: impl Fn(&StoredEvent) -> bool,
    ) -> Vec<StoredEvent> {
        let narrowed = match (&self.subject, &self.alternative_subject) {
            (Some(subject), _) => Some(Narrowing::Subject(subject)),
            (None, Some(alternative)) => Some(Narrowing::AlternativeSubject(alternative)),
            (None, None) => None,
        };
        let types = |event_type: &str| any_matches(&self.types, || event_type);
        let scan = Scan {
            lane: Lane::Resource {
                resource: &self.resource,
                narrowed,
            },
            types: self.types.as_ref().map(|_| &types as TypeFilter<'_>),
            times: TimeBounds::default(),
            after: Some(&self.after),
            visibility: registered_by.map_or(Visibility::All, Visibility::PerEvent),
            limit: self.size,
        };
        let page = store.scan(&scan, |_| true);
        keep_authorized(page, store, permitted)
    }

    /// The resource queried.
    pub(crate) fn resource(&self) -> &str {
        &self.resource
    }
}

/// Production's `next` for a page of the generic query, continuing after event id `after`:
/// the app queries' link, then, when the alternative subject header was used without
/// `subject`, `&subject=` and the subject of the page's **first** event, raw (empty for an
/// event without one).
pub(crate) fn generic_next_link(
    (base, path): (&str, &str),
    query: &QueryParams,
    bound: &GenericBound,
    after: Option<&str>,
    page: &[StoredEvent],
) -> String {
    let mut link = link_with(base, path, after, query);
    if bound.alternative_subject.is_some() && bound.subject.is_none() {
        link.push_str("&subject=");
        let first = page.first().and_then(|stored| stored.event.subject());
        link.push_str(first.unwrap_or_default());
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bind(raw: &str, header: &[&str]) -> Result<GenericBound, BindingErrors> {
        bind_generic(&QueryParams::parse(raw), header)
    }

    fn plan(raw: &str, header: &[&str]) -> Result<GenericQuery, QueryError> {
        GenericQuery::plan(&bind(raw, header).unwrap())
    }

    #[test]
    fn b_resource_is_required_and_size_must_parse() {
        let errors = bind("size=abc&resource=", &[]).unwrap_err();
        assert_eq!(
            errors.errors,
            vec![
                ("size", "The value 'abc' is not valid.".to_owned()),
                ("resource", "The resource field is required.".to_owned()),
            ]
        );
        let errors = bind("resource=urn:x&size=", &[]).unwrap_err();
        assert_eq!(
            errors.errors,
            vec![("size", "The value '' is invalid.".to_owned())]
        );
        assert_eq!(bind("RESOURCE=urn:x&Size=5", &[]).unwrap().size, 5);
    }

    #[test]
    fn rules_1_to_3_in_order() {
        let invalid = |raw: &str, header: &[&str]| match plan(raw, header) {
            Err(QueryError::Invalid(detail)) => detail,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            invalid("resource=random&subject=a", &["b"]),
            PROBLEM_RESOURCE_PREFIX
        );
        assert_eq!(
            invalid("resource=urn:altinn:resource:x&subject=a", &["b"]),
            PROBLEM_AFTER
        );
        assert_eq!(
            invalid("resource=urn:altinn:resource:x&after=0&subject=a", &["b"]),
            PROBLEM_SUBJECT_AND_ALTERNATIVE
        );
        assert!(plan("resource=urn:altinn:resource:x&after=0&subject=a", &[" "]).is_ok());
        assert!(matches!(
            plan(r"resource=urn:altinn:resource:x&after=0&type=a\", &[]),
            Err(QueryError::Unhandled(_))
        ));
    }

    #[test]
    fn size_is_clamped_never_refused() {
        let size = |raw: &str| {
            plan(
                &format!("resource=urn:altinn:resource:x&after=0&{raw}"),
                &[],
            )
            .unwrap()
            .size
        };
        assert_eq!(size("size=-5"), 50);
        assert_eq!(size("size=0"), 50);
        assert_eq!(size(""), 50);
        assert_eq!(size("size=1500"), 1000);
        assert_eq!(size("size=7"), 7);
    }
}
