//! The store's secondary indexes: for every resource (and within it every subject and every
//! alternative subject), and for every subject (and within it every source "root"), the
//! ordered sequence numbers of its events. Each query walks the narrowest list that holds all
//! its candidates, so a page costs the same in a store of a thousand events or a million.
//!
//! A source root is the source, lower-cased, up to its fifth `/`: for an app instance
//! `https://ttd.apps.altinn.no/ttd/apps-test`. An `ILIKE` pattern with a literal prefix that
//! long names one root; a shorter prefix names the roots that start with it.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use crate::domain::event::Event;

/// The events of one resource.
#[derive(Debug, Default)]
pub(super) struct ResourceIndex {
    pub(super) all: Vec<u64>,
    pub(super) by_subject: HashMap<String, Vec<u64>>,
    pub(super) by_alternative_subject: HashMap<String, Vec<u64>>,
}

/// The events of one subject, any resource.
#[derive(Debug, Default)]
pub(super) struct SubjectIndex {
    pub(super) all: Vec<u64>,
    by_source_root: BTreeMap<String, Vec<u64>>,
}

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

impl Indexes {
    /// Files `event`, stored as `sequence_number`.
    pub(super) fn add(&mut self, event: &Event, sequence_number: u64) {
        if let Some(resource) = event.resource() {
            with_entry(&mut self.by_resource, resource, |index| {
                index.all.push(sequence_number);
                if let Some(subject) = event.subject() {
                    push_under(&mut index.by_subject, subject, sequence_number);
                }
                if let Some(alternative) = event.alternative_subject() {
                    push_under(
                        &mut index.by_alternative_subject,
                        alternative,
                        sequence_number,
                    );
                }
            });
        }
        if let Some(subject) = event.subject() {
            with_entry(&mut self.by_subject, subject, |index| {
                index.all.push(sequence_number);
                let source = lower_case(event.source());
                let root = source_root(&source);
                match index.by_source_root.get_mut(root) {
                    Some(list) => list.push(sequence_number),
                    None => {
                        index
                            .by_source_root
                            .insert(root.to_owned(), vec![sequence_number]);
                    }
                }
            });
        }
    }

    /// The ordered lists whose union holds every event `lane` selects (each list ordered, no
    /// event in two lists); empty when nothing can match.
    pub(super) fn lists<'s>(&'s self, lane: &Lane<'_>) -> Vec<&'s [u64]> {
        let list = |found: Option<&'s Vec<u64>>| found.map(Vec::as_slice).into_iter().collect();
        match *lane {
            Lane::Resource { resource, narrowed } => {
                let Some(index) = self.by_resource.get(resource) else {
                    return Vec::new();
                };
                match narrowed {
                    None => vec![&index.all],
                    Some(Narrowing::Subject(subject)) => list(index.by_subject.get(subject)),
                    Some(Narrowing::AlternativeSubject(alternative)) => {
                        list(index.by_alternative_subject.get(alternative))
                    }
                }
            }
            Lane::Subject {
                subject,
                source_prefixes,
            } => {
                let Some(index) = self.by_subject.get(subject) else {
                    return Vec::new();
                };
                match source_prefixes {
                    Some(prefixes) if !prefixes.iter().any(String::is_empty) => {
                        index.roots_for(prefixes)
                    }
                    // A pattern that starts with a wildcard may match any source.
                    _ => vec![&index.all],
                }
            }
        }
    }
}

impl SubjectIndex {
    /// The lists of the roots a source with one of `prefixes` can have, each root once.
    fn roots_for<'s>(&'s self, prefixes: &[String]) -> Vec<&'s [u64]> {
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
            .filter_map(|root| self.by_source_root.get(root).map(Vec::as_slice))
            .collect()
    }
}

/// `text` up to (not including) its fifth `/`, or all of it.
pub(super) fn source_root(text: &str) -> &str {
    match text.match_indices('/').nth(4) {
        Some((at, _)) => &text[..at],
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

/// Changes the value under `key`, made on first use; the key is copied only then.
fn with_entry<V: Default>(map: &mut HashMap<String, V>, key: &str, change: impl FnOnce(&mut V)) {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    if let Some(value) = map.get_mut(key) {
        change(value);
    }
}

/// Appends `sequence_number` to the list under `key`, copying the key only when it is new.
pub(super) fn push_under(map: &mut HashMap<String, Vec<u64>>, key: &str, sequence_number: u64) {
    match map.get_mut(key) {
        Some(list) => list.push(sequence_number),
        None => {
            map.insert(key.to_owned(), vec![sequence_number]);
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
