//! The store's secondary indexes: for every resource (and within it every subject, every
//! alternative subject and every type), and for every subject (and within it every source
//! "root" and every type), the ordered sequence numbers of its events, each list with a
//! summary of its events' times (`postings`). Each query walks the narrowest lists that hold
//! all its candidates and jumps over runs of events outside its time bounds, so a page costs
//! the same in a store of a thousand events or a million.
//!
//! A source root is the source, lower-cased, up to its fifth `/`: for an app instance
//! `https://ttd.apps.altinn.no/ttd/apps-test`. An `ILIKE` pattern with a literal prefix that
//! long names one root; a shorter prefix names the roots that start with it.

use std::collections::BTreeMap;

use foldhash::HashMap;
use std::ops::Bound;

use super::postings::Postings;
use crate::domain::event::Event;

/// The events of one resource.
#[derive(Debug, Default)]
pub(super) struct ResourceIndex {
    all: Postings,
    by_subject: HashMap<String, Postings>,
    by_alternative_subject: HashMap<String, Postings>,
    by_type: TypeIndex,
}

/// The events of one subject, any resource.
#[derive(Debug, Default)]
pub(super) struct SubjectIndex {
    all: Postings,
    by_source_root: BTreeMap<String, Postings>,
    by_type: TypeIndex,
}

/// The events of a resource or a subject per `type`, as published (so that both `LIKE` and
/// `ILIKE` patterns are matched against the real values). A type pattern is matched once per
/// distinct type, not once per event: a type no event has costs nothing to find.
#[derive(Debug, Default)]
struct TypeIndex(HashMap<String, Postings>);

/// More distinct types than this in one resource or subject (never in practice) and a type
/// filter walks the events instead of merging one list per matching type.
const MAX_TYPE_LISTS: usize = 64;

/// The secondary indexes of a store.
#[derive(Debug, Default)]
pub(super) struct Indexes {
    by_resource: HashMap<String, ResourceIndex>,
    by_subject: HashMap<String, SubjectIndex>,
}

/// Which index lane a scan walks: the equality filters that choose its candidates.
#[derive(Debug, Clone)]
pub(crate) enum Lane<'a> {
    /// Events of `resource`, narrowed to one subject or one alternative subject.
    Resource {
        resource: &'a str,
        narrowed: Option<Narrowing<'a>>,
    },
    /// Events of `subject` (any resource) whose source starts (ignoring case) with one of
    /// `source_prefixes` (lower-cased); `None` for every source.
    Subject {
        subject: &'a str,
        source_prefixes: Option<&'a [String]>,
    },
}

/// An equality filter within a resource.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Narrowing<'a> {
    /// `subject` equals this.
    Subject(&'a str),
    /// `alternativesubject` equals this.
    AlternativeSubject(&'a str),
}

impl Narrowing<'_> {
    /// Whether `event` passes the filter.
    pub(super) fn admits(&self, event: &Event) -> bool {
        match *self {
            Narrowing::Subject(subject) => event.subject() == Some(subject),
            Narrowing::AlternativeSubject(alternative) => {
                event.alternative_subject() == Some(alternative)
            }
        }
    }
}

/// Which `type` values a query selects (`LIKE ANY`): asked once per distinct type.
pub(crate) type TypeFilter<'a> = &'a dyn Fn(&str) -> bool;

/// What a scan walks: ordered lists whose union holds every event the lane and the type
/// filter select (no event in two lists), and which of those filters each event must still
/// be checked against.
#[derive(Debug, Default)]
pub(super) struct Candidates<'s> {
    pub(super) lists: Vec<&'s Postings>,
    /// The lists were chosen by type: each event must still pass the lane's narrowing.
    pub(super) check_narrowing: bool,
    /// The lists were not chosen by type: each event must still pass the type filter.
    pub(super) check_type: bool,
}

impl Indexes {
    /// Files `event`, stored as `sequence_number`.
    pub(super) fn add(&mut self, event: &Event, sequence_number: u32) {
        let time = event.time();
        let push = |postings: &mut Postings| postings.push(sequence_number, time);
        if let Some(resource) = event.resource() {
            with_entry(&mut self.by_resource, resource, |index| {
                push(&mut index.all);
                if let Some(subject) = event.subject() {
                    with_entry(&mut index.by_subject, subject, push);
                }
                if let Some(alternative) = event.alternative_subject() {
                    with_entry(&mut index.by_alternative_subject, alternative, push);
                }
                with_entry(&mut index.by_type.0, event.event_type(), push);
            });
        }
        if let Some(subject) = event.subject() {
            with_entry(&mut self.by_subject, subject, |index| {
                push(&mut index.all);
                let lowered;
                let root = match source_root(event.source()) {
                    // Nearly every root is lower-case ASCII already: no copy to look it up.
                    root if root
                        .bytes()
                        .all(|b| b.is_ascii() && !b.is_ascii_uppercase()) =>
                    {
                        root
                    }
                    _ => {
                        lowered = lower_case(event.source());
                        source_root(&lowered)
                    }
                };
                match index.by_source_root.get_mut(root) {
                    Some(postings) => push(postings),
                    None => {
                        let mut postings = Postings::default();
                        push(&mut postings);
                        index.by_source_root.insert(root.to_owned(), postings);
                    }
                }
                with_entry(&mut index.by_type.0, event.event_type(), push);
            });
        }
    }

    /// Gives back the room the lists' growth by doubling left unused: after a bulk load, up
    /// to half of every list.
    pub(super) fn shrink_to_fit(&mut self) {
        for index in self.by_resource.values_mut() {
            std::iter::once(&mut index.all)
                .chain(index.by_subject.values_mut())
                .chain(index.by_alternative_subject.values_mut())
                .chain(index.by_type.0.values_mut())
                .for_each(Postings::shrink_to_fit);
        }
        for index in self.by_subject.values_mut() {
            std::iter::once(&mut index.all)
                .chain(index.by_source_root.values_mut())
                .chain(index.by_type.0.values_mut())
                .for_each(Postings::shrink_to_fit);
        }
    }

    /// The lists a scan of `lane` filtered by `types` walks: the lane's own, or the lists of
    /// the types `types` selects, whichever hold fewer events. Empty when nothing can match.
    pub(super) fn candidates<'s>(
        &'s self,
        lane: &Lane<'_>,
        types: Option<TypeFilter<'_>>,
    ) -> Candidates<'s> {
        let (lane_lists, by_type, narrowed) = match *lane {
            Lane::Resource { resource, narrowed } => {
                let Some(index) = self.by_resource.get(resource) else {
                    return Candidates::default();
                };
                let lists = match narrowed {
                    None => vec![&index.all],
                    Some(Narrowing::Subject(subject)) => {
                        index.by_subject.get(subject).into_iter().collect()
                    }
                    Some(Narrowing::AlternativeSubject(alternative)) => index
                        .by_alternative_subject
                        .get(alternative)
                        .into_iter()
                        .collect(),
                };
                (lists, &index.by_type, narrowed.is_some())
            }
            Lane::Subject {
                subject,
                source_prefixes,
            } => {
                let Some(index) = self.by_subject.get(subject) else {
                    return Candidates::default();
                };
                let lists = match source_prefixes {
                    Some(prefixes) if !prefixes.iter().any(String::is_empty) => {
                        index.roots_for(prefixes)
                    }
                    // A pattern that starts with a wildcard may match any source.
                    _ => vec![&index.all],
                };
                // The source is checked event by event in any case: a root only narrows.
                (lists, &index.by_type, false)
            }
        };
        let by_lane = Candidates {
            check_type: types.is_some(),
            lists: lane_lists,
            check_narrowing: false,
        };
        let Some(types) = types else {
            return by_lane;
        };
        match by_type.selected(types) {
            Some(lists) if total(&lists) < total(&by_lane.lists) => Candidates {
                lists,
                check_narrowing: narrowed,
                check_type: false,
            },
            _ => by_lane,
        }
    }
}

/// How many events `lists` hold together.
fn total(lists: &[&Postings]) -> usize {
    lists.iter().map(|postings| postings.len()).sum()
}

impl TypeIndex {
    /// The lists of the types `types` selects; `None` when there are too many to merge.
    fn selected(&self, types: TypeFilter<'_>) -> Option<Vec<&Postings>> {
        if self.0.len() > MAX_TYPE_LISTS {
            return None;
        }
        Some(
            self.0
                .iter()
                .filter(|(event_type, _)| types(event_type))
                .map(|(_, postings)| postings)
                .collect(),
        )
    }
}

impl SubjectIndex {
    /// The lists of the roots a source with one of `prefixes` can have, each root once.
    fn roots_for<'s>(&'s self, prefixes: &[String]) -> Vec<&'s Postings> {
        let mut roots: Vec<&'s str> = Vec::new();
        for prefix in prefixes {
            let whole_root = source_root(prefix);
            if whole_root.len() < prefix.len() {
                // The prefix runs past the root: every match has exactly this root.
                if let Some((root, _)) = self.by_source_root.get_key_value(whole_root) {
                    roots.push(root);
                }
            } else {
                let starting = self
                    .by_source_root
                    .range::<str, _>((Bound::Included(prefix.as_str()), Bound::Unbounded))
                    .take_while(|(root, _)| root.starts_with(prefix.as_str()));
                roots.extend(starting.map(|(root, _)| root.as_str()));
            }
        }
        roots.sort_unstable();
        roots.dedup();
        roots
            .into_iter()
            .filter_map(|root| self.by_source_root.get(root))
            .collect()
    }
}

/// `text` up to (not including) its fifth `/`, or all of it.
pub(super) fn source_root(text: &str) -> &str {
    // Bytes, not `match_indices`: a `/` is one byte in UTF-8, and this runs for every event.
    match text.bytes().enumerate().filter(|&(_, b)| b == b'/').nth(4) {
        Some((at, _)) => text.get(..at).unwrap_or(text),
        None => text,
    }
}

/// What `ILIKE` compares: the text lower-cased (cheaply for ASCII, as the matcher does).
fn lower_case(text: &str) -> String {
    if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.to_lowercase()
    }
}

/// Changes the value under `key`, made on first use; the key is copied (and hashed twice)
/// only then.
pub(super) fn with_entry<V: Default>(
    map: &mut HashMap<String, V>,
    key: &str,
    change: impl FnOnce(&mut V),
) {
    match map.get_mut(key) {
        Some(value) => change(value),
        None => {
            let mut value = V::default();
            change(&mut value);
            map.insert(key.to_owned(), value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_is_the_source_up_to_its_fifth_slash() {
        let source = "https://ttd.apps.altinn.no/ttd/apps-test/instances/1/g";
        assert_eq!(
            source_root(source),
            "https://ttd.apps.altinn.no/ttd/apps-test"
        );
        assert_eq!(source_root("urn:altinn:x"), "urn:altinn:x");
        assert_eq!(source_root("https://a/b"), "https://a/b");
    }
}
