//! What the generator is asked to make.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

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
    pub fn apps_host(self, org: &str) -> String {
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
    pub fn app_list(&self) -> Vec<(String, String)> {
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
    pub fn check(&self) -> Result<(), String> {
        if self.app_list().is_empty() {
            return Err(
                "no apps: give at least one org (and apps per org above 0) or an org/app".into(),
            );
        }
        if self.parties == 0 {
            return Err("at least one party is needed".into());
        }
        if let Some((org, app)) = self
            .app_list()
            .iter()
            .find(|(org, app)| !valid_name(org) || !valid_name(app))
        {
            return Err(format!(
                "{org}/{app} is not an org/app name (letters, digits and '-')"
            ));
        }
        Ok(())
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Parses `ttd/apps-test,skd/mva-melding`.
pub fn parse_app_list(text: &str) -> Result<Vec<(String, String)>, String> {
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
