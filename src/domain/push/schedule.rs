//! When a failed attempt is tried again (spec §6, §9), as data: production's Azure Service Bus
//! policies (the default), the legacy Azure Functions path, a custom list, or none.

use std::fmt;
use std::time::Duration;

use crate::domain::units::parse_duration;

/// Which retry delays apply: a named schedule, or a custom list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) enum RetryPlan {
    /// Production's current transport (ASB `OutboundQueuePolicy` / `ValidationQueuePolicy`).
    #[default]
    Production,
    /// The legacy storage-queue path (`RetryBackoffService`, the Functions host's retries).
    Legacy,
    /// No retries: one attempt.
    None,
    /// These delays, in order.
    Custom(Vec<Duration>),
}

/// What a delivery carries: the handshake or an event (their retry schedules differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryKind {
    /// The `platform.events.validatesubscription` handshake.
    Validation,
    /// An event.
    Event,
}

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// ASB outbound: one cooldown retry after 10 s, then 30 s, 1 min, 5 min, 10 min, 30 min, 1 h,
/// 3 h, 6 h, 12 h, 12 h: 12 attempts, then the dead-letter queue.
const PRODUCTION_EVENT: [Duration; 11] = [
    secs(10),
    secs(30),
    secs(60),
    secs(300),
    secs(600),
    secs(1800),
    secs(3600),
    secs(10_800),
    secs(21_600),
    secs(43_200),
    secs(43_200),
];

/// Legacy outbound: 10 s … 6 h, then 12 h while the dequeue count is 10 or more; poison after
/// 13 attempts.
const LEGACY_EVENT: [Duration; 12] = [
    secs(10),
    secs(30),
    secs(60),
    secs(300),
    secs(600),
    secs(1800),
    secs(3600),
    secs(10_800),
    secs(21_600),
    secs(43_200),
    secs(43_200),
    secs(43_200),
];

/// ASB validation: cooldowns 1 s, 5 s, 10 s, then 30 s, 60 s, 120 s ×3: 9 attempts.
const PRODUCTION_VALIDATION: [Duration; 8] = [
    secs(1),
    secs(5),
    secs(10),
    secs(30),
    secs(60),
    secs(120),
    secs(120),
    secs(120),
];

/// Legacy validation: the Functions host's `maxDequeueCount` 5 with a 30 s visibility timeout.
const LEGACY_VALIDATION: [Duration; 4] = [secs(30), secs(30), secs(30), secs(30)];

impl RetryPlan {
    /// The delays after each failed attempt, for `kind`: attempt `n` (from 1) failing is
    /// followed by attempt `n + 1` after `delays[n - 1]`; past the end, the dead letter.
    pub(crate) fn delays(&self, kind: DeliveryKind) -> Vec<Duration> {
        match (self, kind) {
            (RetryPlan::Production, DeliveryKind::Event) => PRODUCTION_EVENT.to_vec(),
            (RetryPlan::Production, DeliveryKind::Validation) => PRODUCTION_VALIDATION.to_vec(),
            (RetryPlan::Legacy, DeliveryKind::Event) => LEGACY_EVENT.to_vec(),
            (RetryPlan::Legacy, DeliveryKind::Validation) => LEGACY_VALIDATION.to_vec(),
            (RetryPlan::None, _) => Vec::new(),
            (RetryPlan::Custom(delays), _) => delays.clone(),
        }
    }

    /// `production`, `legacy`, `none`, or a comma-separated list such as `10s,30s,1m`.
    pub(crate) fn parse(text: &str) -> Result<RetryPlan, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "production" => Ok(RetryPlan::Production),
            "legacy" => Ok(RetryPlan::Legacy),
            "none" => Ok(RetryPlan::None),
            list => list
                .split(',')
                .map(|item| parse_duration(item.trim()))
                .collect::<Result<Vec<_>, _>>()
                .map(RetryPlan::Custom)
                .map_err(|e| {
                    format!("{e} (expected production, legacy, none or a list like 10s,30s,1m)")
                }),
        }
    }
}

impl fmt::Display for RetryPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryPlan::Production => f.write_str("production"),
            RetryPlan::Legacy => f.write_str("legacy"),
            RetryPlan::None => f.write_str("none"),
            RetryPlan::Custom(delays) => {
                let items: Vec<String> = delays
                    .iter()
                    .map(|d| format!("{}s", d.as_secs_f64()))
                    .collect();
                f.write_str(&items.join(","))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_tries_an_event_twelve_times_over_34_hours_46_minutes_40_seconds() {
        let delays = RetryPlan::Production.delays(DeliveryKind::Event);
        assert_eq!(delays.len() + 1, 12);
        assert_eq!(
            delays.iter().sum::<Duration>(),
            secs(34 * 3600 + 46 * 60 + 40)
        );
    }

    #[test]
    fn legacy_tries_an_event_thirteen_times_over_46_hours_46_minutes_40_seconds() {
        let delays = RetryPlan::Legacy.delays(DeliveryKind::Event);
        assert_eq!(delays.len() + 1, 13);
        assert_eq!(
            delays.iter().sum::<Duration>(),
            secs(46 * 3600 + 46 * 60 + 40)
        );
    }

    #[test]
    fn validation_is_tried_nine_times_in_production() {
        let delays = RetryPlan::Production.delays(DeliveryKind::Validation);
        assert_eq!(delays.len() + 1, 9);
        assert_eq!(delays.iter().sum::<Duration>(), secs(7 * 60 + 46));
    }

    #[test]
    fn parses_names_and_lists() {
        assert_eq!(RetryPlan::parse("Legacy"), Ok(RetryPlan::Legacy));
        assert_eq!(
            RetryPlan::parse("10s, 1m"),
            Ok(RetryPlan::Custom(vec![secs(10), secs(60)]))
        );
        assert!(RetryPlan::parse("soon").is_err());
        assert!(
            RetryPlan::parse("none")
                .unwrap()
                .delays(DeliveryKind::Event)
                .is_empty()
        );
    }
}
