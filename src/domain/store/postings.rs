//! One list of an index: the ordered sequence numbers of its events, with a summary of their
//! times that lets a walk bounded by `from`/`to` jump over runs of events outside the bounds.
//!
//! The summary is a small tree over positions in the list: each block of 64 events keeps the
//! earliest and latest `time` in it, each block of 64 blocks the same over them, and so on.
//! Only complete blocks are summarised (appending never changes one), so a walk checks at
//! most 63 trailing events one by one. A `from` after the last event, or a `to` before the
//! first, skips a whole list of a million events in a few hundred comparisons; the events
//! the walk does reach are still checked exactly by the query.

use chrono::{DateTime, Utc};

/// Events per block at the lowest level; each level above groups this many blocks.
const FAN_OUT: usize = 64;
/// Levels of blocks: of 64, 4 096 and 262 144 events.
const LEVELS: usize = 3;

/// The time bounds of a query: events whose `time` lies outside can never be selected (nor
/// can events without a `time`, which compare as SQL `NULL`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct TimeBounds {
    /// `time >= from`.
    pub(crate) from: Option<DateTime<Utc>>,
    /// `time <= to`.
    pub(crate) to: Option<DateTime<Utc>>,
}

impl TimeBounds {
    fn is_unbounded(&self) -> bool {
        self.from.is_none() && self.to.is_none()
    }
}

/// The earliest and latest `time` of a block's events; `None` when none has a time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span(Option<(DateTime<Utc>, DateTime<Utc>)>);

impl Span {
    fn add(&mut self, time: Option<DateTime<Utc>>) {
        let Some(time) = time else {
            return;
        };
        self.0 = Some(match self.0 {
            Some((earliest, latest)) => (earliest.min(time), latest.max(time)),
            None => (time, time),
        });
    }

    fn merge(&mut self, other: Span) {
        if let Some((earliest, latest)) = other.0 {
            self.add(Some(earliest));
            self.add(Some(latest));
        }
    }

    /// Whether some event of the block may lie within `bounds` (which are not unbounded).
    fn may_hold(&self, bounds: &TimeBounds) -> bool {
        match self.0 {
            None => false,
            Some((earliest, latest)) => {
                bounds.from.is_none_or(|from| latest >= from)
                    && bounds.to.is_none_or(|to| earliest <= to)
            }
        }
    }
}

/// The ordered sequence numbers of a list, and the summary of their times.
#[derive(Debug, Default)]
pub(crate) struct Postings {
    /// `u32`: half the memory of `u64`, and the store holds fewer events than that (see
    /// `STORE_CAPACITY`).
    seqs: Vec<u32>,
    /// `levels[k]`: the spans of the complete blocks of `FAN_OUT^(k+1)` events.
    levels: [Vec<Span>; LEVELS],
    /// The span of the lowest level's block being filled.
    filling: Span,
}

impl Postings {
    /// Appends an event with a greater sequence number than any before.
    pub(super) fn push(&mut self, sequence_number: u32, time: Option<DateTime<Utc>>) {
        self.seqs.push(sequence_number);
        self.filling.add(time);
        let len = self.seqs.len();
        if !len.is_multiple_of(FAN_OUT) {
            return;
        }
        let complete = std::mem::take(&mut self.filling);
        self.levels[0].push(complete);
        // A block that completes a block of the level above completes that one too.
        let mut width = FAN_OUT;
        for level in 1..LEVELS {
            width *= FAN_OUT;
            if !len.is_multiple_of(width) {
                break;
            }
            let below = &self.levels[level - 1];
            let mut span = Span::default();
            for child in &below[below.len() - FAN_OUT..] {
                span.merge(*child);
            }
            self.levels[level].push(span);
        }
    }

    /// The sequence numbers, in order.
    pub(super) fn seqs(&self) -> &[u32] {
        &self.seqs
    }

    /// Gives back the room a list grown by doubling keeps unused (up to half of it).
    pub(super) fn shrink_to_fit(&mut self) {
        self.seqs.shrink_to_fit();
        for level in &mut self.levels {
            level.shrink_to_fit();
        }
    }

    /// How many events it lists.
    pub(super) fn len(&self) -> usize {
        self.seqs.len()
    }

    /// The first position from `at` (up to `end`) whose block may hold an event within
    /// `bounds`: every event skipped lies outside them.
    fn skip(&self, mut at: usize, end: usize, bounds: &TimeBounds) -> usize {
        // Within a block the walk goes event by event: only a block's first position can skip.
        if bounds.is_unbounded() || !at.is_multiple_of(FAN_OUT) {
            return at;
        }
        'walk: while at < end {
            let mut width = FAN_OUT.pow(LEVELS as u32);
            for level in (0..LEVELS).rev() {
                if at.is_multiple_of(width) {
                    let outside = self.levels[level]
                        .get(at / width)
                        .is_some_and(|span| !span.may_hold(bounds));
                    if outside {
                        at += width;
                        continue 'walk;
                    }
                }
                width /= FAN_OUT;
            }
            return at;
        }
        end
    }
}

/// A walk along one list, between two positions, skipping blocks outside the time bounds.
#[derive(Debug)]
pub(super) struct Cursor<'s> {
    postings: &'s Postings,
    at: usize,
    end: usize,
}

impl<'s> Cursor<'s> {
    /// A walk over positions `range` of `postings`.
    pub(super) fn new(postings: &'s Postings, range: std::ops::Range<usize>) -> Cursor<'s> {
        Cursor {
            postings,
            at: range.start,
            end: range.end.min(postings.len()),
        }
    }

    /// The next sequence number that may be within `bounds`, without moving past it.
    fn head(&mut self, bounds: &TimeBounds) -> Option<u64> {
        self.at = self.postings.skip(self.at, self.end, bounds);
        (self.at < self.end)
            .then(|| self.postings.seqs.get(self.at).copied().map(u64::from))
            .flatten()
    }
}

/// Walks of disjoint lists, read as one list in sequence order.
#[derive(Debug)]
pub(super) struct Merged<'s> {
    cursors: Vec<Cursor<'s>>,
    bounds: TimeBounds,
}

impl<'s> Merged<'s> {
    pub(super) fn new(cursors: Vec<Cursor<'s>>, bounds: TimeBounds) -> Merged<'s> {
        Merged { cursors, bounds }
    }
}

impl Iterator for Merged<'_> {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let bounds = self.bounds;
        // One list, the common case (a resource without a type filter): no merge to make.
        if let [cursor] = self.cursors.as_mut_slice() {
            let seq = cursor.head(&bounds)?;
            cursor.at += 1;
            return Some(seq);
        }
        let (seq, cursor) = self
            .cursors
            .iter_mut()
            .filter_map(|cursor| Some((cursor.head(&bounds)?, cursor)))
            .min_by_key(|(seq, _)| *seq)?;
        cursor.at += 1;
        Some(seq)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
            + chrono::TimeDelta::minutes(minute.into())
    }

    /// A list of `count` events at minutes 0, 1, 2, … (every 7th without a time).
    fn list(count: u32) -> Postings {
        let mut postings = Postings::default();
        for i in 0..count {
            postings.push(i + 1, (i % 7 != 3).then(|| at(i)));
        }
        postings
    }

    fn walk(postings: &Postings, bounds: TimeBounds) -> Vec<u64> {
        let cursor = Cursor::new(postings, 0..postings.len());
        Merged::new(vec![cursor], bounds).collect()
    }

    #[test]
    fn skipping_drops_only_events_outside_the_bounds() {
        let postings = list(300_000);
        let within = |bounds: TimeBounds, seq: u64| {
            let i = u32::try_from(seq - 1).unwrap();
            i % 7 != 3
                && bounds.from.is_none_or(|from| at(i) >= from)
                && bounds.to.is_none_or(|to| at(i) <= to)
        };
        for (from, to) in [
            (Some(at(299_990)), None),
            (None, Some(at(5))),
            (Some(at(4_000)), Some(at(4_200))),
            (Some(at(400_000)), None),
        ] {
            let bounds = TimeBounds { from, to };
            let walked = walk(&postings, bounds);
            let kept: Vec<u64> = walked
                .iter()
                .copied()
                .filter(|s| within(bounds, *s))
                .collect();
            let expected: Vec<u64> = (1..=300_000).filter(|s| within(bounds, *s)).collect();
            assert_eq!(kept, expected, "{bounds:?}");
            assert!(walked.len() < expected.len() + 2 * FAN_OUT, "{bounds:?}");
        }
        assert_eq!(walk(&postings, TimeBounds::default()).len(), 300_000);
    }

    #[test]
    fn merged_lists_come_out_in_sequence_order() {
        let (mut odd, mut even) = (Postings::default(), Postings::default());
        for seq in 1..=200 {
            let list = if seq % 2 == 1 { &mut odd } else { &mut even };
            list.push(seq, Some(at(0)));
        }
        let cursors = vec![Cursor::new(&odd, 10..100), Cursor::new(&even, 0..5)];
        let merged: Vec<u64> = Merged::new(cursors, TimeBounds::default()).collect();
        let mut expected: Vec<u64> = (0..5).map(|i| 2 * i + 2).collect();
        expected.extend((10..100).map(|i| 2 * i + 1));
        expected.sort_unstable();
        assert_eq!(merged, expected);
    }
}
