//! The server clock: real time, moved by an offset when told to.
//!
//! Every event stored at runtime is registered at the clock's now, and the visibility lag is
//! measured against it, so tests can move time instead of sleeping.

use std::sync::{PoisonError, RwLock};

use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::event::{earliest, latest, shift};

/// The server clock: real time plus an offset.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    offset: RwLock<TimeDelta>,
}

impl Clock {
    /// A clock that follows real time.
    pub(crate) fn system() -> Clock {
        Clock::default()
    }

    fn offset(&self) -> TimeDelta {
        *self.offset.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The clock's current time, kept within what .NET's `DateTimeOffset` can hold (years 1
    /// to 9999): moved past either end, it stays there, so every event it stamps is one
    /// production could have written.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        shift(Utc::now(), self.offset()).clamp(earliest(), latest())
    }

    /// Moves the clock forward (or back, for a negative `by`); it keeps running from there.
    pub(crate) fn advance(&self, by: TimeDelta) {
        let mut offset = self.offset.write().unwrap_or_else(PoisonError::into_inner);
        let saturated = if by < TimeDelta::zero() {
            TimeDelta::MIN
        } else {
            TimeDelta::MAX
        };
        *offset = offset.checked_add(&by).unwrap_or(saturated);
    }

    /// Sets the clock to `now`; it keeps running from there.
    pub(crate) fn set(&self, now: DateTime<Utc>) {
        *self.offset.write().unwrap_or_else(PoisonError::into_inner) = now - Utc::now();
    }

    /// Goes back to real time.
    pub(crate) fn reset(&self) {
        *self.offset.write().unwrap_or_else(PoisonError::into_inner) = TimeDelta::zero();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_now_and_reset_returns_to_real_time() {
        let clock = Clock::system();
        let before = Utc::now();
        clock.advance(TimeDelta::hours(1));
        assert!(clock.now() >= before + TimeDelta::hours(1));
        clock.reset();
        assert!(clock.now() < before + TimeDelta::minutes(30));
    }

    #[test]
    fn huge_moves_saturate_instead_of_overflowing() {
        let clock = Clock::system();
        clock.advance(TimeDelta::MAX);
        clock.advance(TimeDelta::MAX);
        assert_eq!(clock.now(), latest());
        assert_eq!(
            crate::domain::event::format_event_time(clock.now()),
            "9999-12-31T23:59:59.9999999Z"
        );
        clock.reset();
        clock.advance(TimeDelta::MIN);
        assert_eq!(clock.now(), earliest());
        assert_eq!(
            crate::domain::event::format_event_time(clock.now()),
            "0001-01-01T00:00:00Z"
        );
        assert_eq!(shift(Utc::now(), -TimeDelta::MAX), DateTime::<Utc>::MIN_UTC);
    }

    #[test]
    fn setting_puts_now_at_the_given_time() {
        let clock = Clock::system();
        let target = DateTime::parse_from_rfc3339("2024-03-01T12:00:00Z")
            .unwrap()
            .to_utc();
        clock.set(target);
        let now = clock.now();
        assert!(now >= target && now < target + TimeDelta::minutes(1));
    }
}
