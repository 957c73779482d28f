//! What the generator is asked to make.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use crate::domain::event::{earliest, latest};

/// Where the apps run: decides the host in each event's `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Environment {
    /// `https://{org}.apps.tt02.altinn.no`, the service owners' test environment.
    #[default]
    Tt02,
    /// `https://{org}.apps.at22.altinn.cloud`, an Altinn-internal test environment.
    At22,
    /// `https://{org}.apps.altinn.no`, production.
    Prod,
}

impl Environment {
    /// The base URL of `org`'s apps in this environment.
    pub(crate) fn apps_host(self, org: &str) -> String {
        match self {
            Environment::Tt02 => format!("https://{org}.apps.tt02.altinn.no"),
            Environment::At22 => format!("https://{org}.apps.at22.altinn.cloud"),
            Environment::Prod => format!("https://{org}.apps.altinn.no"),
        }
    }
}

impl FromStr for Environment {
    type Err = String;

    fn from_str(s: &str) -> Result<Environment, String> {
        match s.to_ascii_lowercase().as_str() {
            "tt02" => Ok(Environment::Tt02),
            "at22" => Ok(Environment::At22),
            "prod" => Ok(Environment::Prod),
            other => Err(format!(
                "unknown environment {other:?}: expected tt02, at22 or prod"
            )),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Environment::Tt02 => "tt02",
            Environment::At22 => "at22",
            Environment::Prod => "prod",
        })
    }
}

/// Realistic app names, handed out in order to each org.
const APP_NAMES: [&str; 12] = [
    "apps-test",
    "endring-av-navn-v2",
    "flyttemelding",
    "bostotte-soknad",
    "byggesoknad",
    "mva-melding",
    "a-melding",
    "lonn-og-trekk",
    "foreldrepenger",
    "skattemelding",
    "tilskudd-kultur",
    "klage-vedtak",
];

/// Options of the synthetic data generator. The same options give the same events, byte for
/// byte, on any machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratorOptions {
    /// The seed of the random generator.
    pub seed: u64,
    /// Orgs whose apps publish (used when `apps` is empty).
    pub orgs: Vec<String>,
    /// Apps per org (used when `apps` is empty).
    pub apps_per_org: usize,
    /// An explicit `org/app` list, instead of `orgs` × `apps_per_org`.
    pub apps: Vec<(String, String)>,
    /// The environment whose hosts appear in `source`.
    pub environment: Environment,
    /// How many parties (persons and organisations) own instances.
    pub parties: usize,
    /// The time of the first event.
    pub start: DateTime<Utc>,
    /// The mean time between two events (spaced uniformly up to twice this).
    pub mean_spacing: Duration,
}

impl Default for GeneratorOptions {
    fn default() -> GeneratorOptions {
        GeneratorOptions {
            seed: 1,
            orgs: vec!["ttd".into()],
            apps_per_org: 3,
            apps: Vec::new(),
            environment: Environment::Tt02,
            parties: 100,
            start: Utc
                .with_ymd_and_hms(2026, 1, 5, 7, 0, 0)
                .single()
                .unwrap_or_default(),
            mean_spacing: Duration::from_secs(30),
        }
    }
}

impl GeneratorOptions {
    /// The `(org, app)` pairs events come from.
    pub(crate) fn app_list(&self) -> Vec<(String, String)> {
        if !self.apps.is_empty() {
            return self.apps.clone();
        }
        self.orgs
            .iter()
            .flat_map(|org| {
                (0..self.apps_per_org).map(move |i| {
                    let name = APP_NAMES[i % APP_NAMES.len()];
                    let app = if i < APP_NAMES.len() {
                        name.to_owned()
                    } else {
                        format!("{name}-{}", i / APP_NAMES.len() + 1)
                    };
                    (org.clone(), app)
                })
            })
            .collect()
    }

    /// Refuses options that cannot make events.
    pub(crate) fn check(&self) -> Result<(), GeneratorError> {
        if self.apps.is_empty() && self.apps_per_org > MAX_APPS_PER_ORG {
            return Err(GeneratorError::TooManyAppsPerOrg {
                apps_per_org: self.apps_per_org,
            });
        }
        let apps = self.app_list();
        if apps.is_empty() {
            return Err(GeneratorError::NoApps);
        }
        if let Some((org, app)) = apps
            .iter()
            .find(|(org, app)| !valid_name(org) || !valid_name(app))
        {
            return Err(GeneratorError::InvalidName {
                org: org.clone(),
                app: app.clone(),
            });
        }
        if self.parties == 0 || self.parties > MAX_PARTIES {
            return Err(GeneratorError::PartiesOutOfRange {
                parties: self.parties,
            });
        }
        if self.start < earliest() || self.start > latest_start() {
            return Err(GeneratorError::StartOutOfRange { start: self.start });
        }
        Ok(())
    }

    /// [`GeneratorOptions::check`] for `count` events: also that their times stay within what
    /// production can hold.
    pub(crate) fn check_for(&self, count: usize) -> Result<(), GeneratorError> {
        self.check()?;
        if count > MAX_EVENTS {
            return Err(GeneratorError::TooManyEvents { count });
        }
        let longest = self
            .mean_spacing
            .checked_mul(2)
            .and_then(|gap| gap.checked_mul(u32::try_from(count).ok()?));
        let end = longest
            .and_then(|span| chrono::TimeDelta::from_std(span).ok())
            .and_then(|span| self.start.checked_add_signed(span));
        match end {
            Some(end) if end < latest() => Ok(()),
            _ => Err(GeneratorError::PastYear9999 {
                count,
                spacing: self.mean_spacing,
                start: self.start,
            }),
        }
    }
}

/// Why generator options cannot make the events asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum GeneratorError {
    /// More than 1 000 apps per org.
    TooManyAppsPerOrg {
        /// How many were asked for.
        apps_per_org: usize,
    },
    /// No org with apps and no explicit app.
    NoApps,
    /// An org or app name that is not lower-case letters, digits and `-`.
    InvalidName {
        /// The org.
        org: String,
        /// The app.
        app: String,
    },
    /// Not between 1 and 1 000 000 parties.
    PartiesOutOfRange {
        /// How many were asked for.
        parties: usize,
    },
    /// A start outside years 1 to 9000.
    StartOutOfRange {
        /// The start asked for.
        start: DateTime<Utc>,
    },
    /// More than 100 000 000 events at a time.
    TooManyEvents {
        /// How many were asked for.
        count: usize,
    },
    /// The events would run past year 9999, the last production can hold.
    PastYear9999 {
        /// How many were asked for.
        count: usize,
        /// Their mean spacing.
        spacing: Duration,
        /// The first one's time.
        start: DateTime<Utc>,
    },
}

impl fmt::Display for GeneratorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeneratorError::TooManyAppsPerOrg { .. } => {
                write!(f, "at most {MAX_APPS_PER_ORG} apps per org")
            }
            GeneratorError::NoApps => f.write_str(
                "no apps: give at least one org (and apps per org above 0) or an org/app",
            ),
            GeneratorError::InvalidName { org, app } => write!(
                f,
                "{org}/{app} is not an org/app name (lower-case letters, digits and '-', as Altinn names them)"
            ),
            GeneratorError::PartiesOutOfRange { parties } => {
                write!(f, "between 1 and {MAX_PARTIES} parties, not {parties}")
            }
            GeneratorError::StartOutOfRange { start } => write!(
                f,
                "--start must lie between year 1 and year 9000, not {start}"
            ),
            GeneratorError::TooManyEvents { count } => {
                write!(f, "at most {MAX_EVENTS} events at a time, not {count}")
            }
            GeneratorError::PastYear9999 {
                count,
                spacing,
                start,
            } => write!(
                f,
                "{count} events spaced {spacing:?} apart from {start} would run past year 9999"
            ),
        }
    }
}

impl std::error::Error for GeneratorError {}

/// Altinn's org and app names: lower-case letters, digits and `-`.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// The most parties: distinct valid identity numbers get hard to find far beyond this.
pub(super) const MAX_PARTIES: usize = 1_000_000;
/// The most apps per org.
pub(super) const MAX_APPS_PER_ORG: usize = 1_000;
/// The most events generated at a time (`generate -n` streams; a server holds about 1.1 KiB
/// an event, so 20 million fill this machine's memory).
pub(super) const MAX_EVENTS: usize = 100_000_000;

fn latest_start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(9000, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(latest())
}

/// Parses `ttd/apps-test,skd/mva-melding`.
pub(crate) fn parse_app_list(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(|item| {
            item.split_once('/')
                .filter(|(org, app)| valid_name(org) && valid_name(app))
                .map(|(org, app)| (org.to_owned(), app.to_owned()))
                .ok_or_else(|| format!("{item:?} is not ORG/APP"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orgs_get_realistic_app_names_and_an_explicit_list_wins() {
        let options = GeneratorOptions {
            orgs: vec!["ttd".into(), "skd".into()],
            apps_per_org: 2,
            ..GeneratorOptions::default()
        };
        let apps: Vec<String> = options
            .app_list()
            .iter()
            .map(|(o, a)| format!("{o}/{a}"))
            .collect();
        assert_eq!(
            apps,
            [
                "ttd/apps-test",
                "ttd/endring-av-navn-v2",
                "skd/apps-test",
                "skd/endring-av-navn-v2"
            ]
        );
        let explicit = GeneratorOptions {
            apps: parse_app_list("skd/mva-melding, ttd/x").unwrap(),
            ..options
        };
        assert_eq!(explicit.app_list().len(), 2);
    }

    #[test]
    fn refuses_what_cannot_make_events() {
        assert!(parse_app_list("ttd").is_err());
        assert!(parse_app_list("ttd/a b").is_err());
        assert!(parse_app_list("TTD/apps-test").is_err());
        let none = GeneratorOptions {
            orgs: Vec::new(),
            ..GeneratorOptions::default()
        };
        assert!(none.check().is_err());
        let nobody = GeneratorOptions {
            parties: 0,
            ..GeneratorOptions::default()
        };
        assert!(nobody.check().is_err());
        let crowd = GeneratorOptions {
            parties: MAX_PARTIES + 1,
            ..GeneratorOptions::default()
        };
        assert!(crowd.check().is_err());
        let many_apps = GeneratorOptions {
            apps_per_org: usize::MAX,
            ..GeneratorOptions::default()
        };
        assert!(many_apps.check().is_err());
        let ancient = GeneratorOptions {
            start: DateTime::<Utc>::MIN_UTC,
            ..GeneratorOptions::default()
        };
        assert!(ancient.check().is_err());
        let slow = GeneratorOptions {
            mean_spacing: Duration::from_secs(3600 * 24 * 365),
            ..GeneratorOptions::default()
        };
        assert!(slow.check_for(100_000).is_err());
        assert!(
            GeneratorOptions::default()
                .check_for(MAX_EVENTS + 1)
                .is_err()
        );
        assert!(GeneratorOptions::default().check_for(1_000_000).is_ok());
    }

    #[test]
    fn environments_have_their_hosts() {
        assert_eq!(
            Environment::Tt02.apps_host("ttd"),
            "https://ttd.apps.tt02.altinn.no"
        );
        assert_eq!(
            "AT22".parse::<Environment>().unwrap().apps_host("ttd"),
            "https://ttd.apps.at22.altinn.cloud"
        );
        assert_eq!(
            Environment::Prod.apps_host("skd"),
            "https://skd.apps.altinn.no"
        );
    }
}
