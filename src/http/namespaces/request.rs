//! The body of `POST /_mock/namespaces`: a name, data, and the few settings a test changes
//! per namespace; the rest is the server's (its flags without its data).

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::domain::auth::AuthMode;
use crate::domain::faults::FaultRule;
use crate::domain::fixtures::{self, FixtureLocation, Format};
use crate::domain::generate::{Environment, parse_app_list};
use crate::domain::units::parse_duration;
use crate::service::Settings;

/// `{"name"?, "fixtures"?, "generate"?, "generator"?, "auth"?, "visibilityLag"?, "faults"?}`;
/// `null` is absent, an unknown key a mistake.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Body {
    name: Option<String>,
    /// What `POST /_mock/events` takes as JSON: an array of events, one event, or
    /// `{"events", "parties"}`.
    fixtures: Option<Value>,
    generate: Option<usize>,
    generator: Option<GeneratorBody>,
    auth: Option<String>,
    visibility_lag: Option<String>,
    /// Rules as objects or spellings, as `POST /_mock/faults` takes one.
    faults: Option<Vec<Value>>,
}

/// The generator's options, each as its flag takes it; absent ones are the server's.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct GeneratorBody {
    seed: Option<u64>,
    apps: Option<Vec<String>>,
    env: Option<String>,
    parties: Option<usize>,
    start: Option<String>,
    spacing: Option<String>,
}

/// The namespace a body asks for: its name (if given) and its settings, `template` changed
/// as the body says; `generate` at most `max_events`. The error is a 400's detail.
pub(in crate::http) fn read(
    body: &[u8],
    template: &Settings,
    max_events: usize,
) -> Result<(Option<String>, Settings), String> {
    let body: Body = if body.is_empty() {
        Body::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            format!("expected {{\"name\": \"alpha\", \"fixtures\": [...], \"generate\": 10, \"auth\": \"lenient\", \"visibilityLag\": \"30s\", \"faults\": [...]}}, each optional: {e}")
        })?
    };
    let mut settings = template.clone();
    if let Some(value) = body.fixtures {
        let data = read_fixtures(&value)?;
        settings.events = data.events;
        settings.parties = data.parties;
    }
    settings.generate = body.generate.unwrap_or(0);
    if settings.generate > max_events {
        return Err(format!(
            "generate: at most {max_events} (--namespace-max-events), not {}",
            settings.generate
        ));
    }
    if let Some(generator) = body.generator {
        apply_generator(generator, &mut settings)?;
        settings
            .generator
            .check()
            .map_err(|e| format!("generator: {e}"))?;
    }
    if let Some(auth) = body.auth {
        settings.auth = exactly(&auth, [AuthMode::Strict, AuthMode::Lenient, AuthMode::Off])
            .ok_or_else(|| format!("auth: {auth:?} is not strict, lenient or off"))?;
    }
    if let Some(lag) = body.visibility_lag {
        settings.visibility_lag =
            parse_duration(&lag).map_err(|e| format!("visibilityLag: {e}"))?;
    }
    for (index, rule) in body.faults.unwrap_or_default().iter().enumerate() {
        let rule = FaultRule::from_json(rule).map_err(|e| format!("faults[{index}]: {e}"))?;
        settings.faults.push(rule);
    }
    Ok((body.name, settings))
}

/// The one of `choices` whose name is `text` exactly (the document's enum is lower-case).
fn exactly<T: std::fmt::Display, const N: usize>(text: &str, choices: [T; N]) -> Option<T> {
    choices
        .into_iter()
        .find(|choice| choice.to_string() == text)
}

/// `ORG/APP` entries, one app each; empty ones are skipped.
fn read_apps(apps: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut read = Vec::with_capacity(apps.len());
    for (index, entry) in apps.iter().enumerate() {
        let invalid = || format!("generator.apps[{index}]: {entry:?} is not ORG/APP");
        if entry.contains(',') {
            return Err(invalid());
        }
        read.extend(parse_app_list(entry).map_err(|_| invalid())?);
    }
    Ok(read)
}

fn read_fixtures(value: &Value) -> Result<fixtures::Fixtures, String> {
    let text = value.to_string();
    fixtures::parse_as(Path::new("fixtures"), &text, Format::Json).map_err(|error| {
        let place = match error.location {
            FixtureLocation::File => String::new(),
            location => format!("{location}: "),
        };
        format!("fixtures: {place}{}", error.message)
    })
}

fn apply_generator(body: GeneratorBody, settings: &mut Settings) -> Result<(), String> {
    let options = &mut settings.generator;
    if let Some(seed) = body.seed {
        options.seed = seed;
        // Over a seed the server was started with, as the body is the more specific.
        settings.seed = Some(seed);
    }
    if let Some(apps) = body.apps {
        options.apps = read_apps(&apps)?;
    }
    if let Some(env) = body.env {
        let environments = [Environment::Tt02, Environment::At22, Environment::Prod];
        options.environment = exactly(&env, environments)
            .ok_or_else(|| format!("generator.env: {env:?} is not tt02, at22 or prod"))?;
    }
    if let Some(parties) = body.parties {
        options.parties = parties;
    }
    if let Some(start) = body.start {
        options.start = DateTime::parse_from_rfc3339(&start)
            .map_err(|e| format!("generator.start: {start:?} is not an RFC 3339 time: {e}"))?
            .with_timezone(&Utc);
    }
    if let Some(spacing) = body.spacing {
        options.mean_spacing =
            parse_duration(&spacing).map_err(|e| format!("generator.spacing: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_body_is_an_empty_namespace_configured_as_the_server() {
        let template = Settings {
            auth: AuthMode::Lenient,
            ..Settings::default()
        };
        let (name, settings) = read(b"", &template, 10).unwrap();
        assert_eq!(name, None);
        assert_eq!(settings.auth, AuthMode::Lenient);
        assert!(settings.events.is_empty());
        assert_eq!(read(b" {} ", &template, 10).unwrap().0, None);
        assert!(read(b"\r", &template, 10).is_err(), "whitespace is no JSON");
    }

    #[test]
    fn every_option_is_read() {
        let body = br#"{"name": "alpha", "generate": 5, "auth": "off", "visibilityLag": "30s",
            "fixtures": [{"specversion": "1.0", "id": "1", "type": "t", "source": "urn:x", "subject": "/party/1"}],
            "generator": {"seed": 7, "apps": ["ttd/a", " "], "env": "prod", "spacing": "1m", "parties": 3, "start": "2024-01-01T00:00:00+01:00"},
            "faults": ["when=always,what=status:503", {"when": "nth:2", "what": "status:500"}]}"#;
        let (name, settings) = read(body, &Settings::default(), 10).unwrap();
        assert_eq!(name.as_deref(), Some("alpha"));
        assert_eq!(settings.generate, 5);
        assert_eq!(settings.auth, AuthMode::Off);
        assert_eq!(settings.visibility_lag.as_secs(), 30);
        assert_eq!(settings.events.len(), 1);
        assert_eq!(settings.seed, Some(7));
        assert_eq!(settings.generator.apps, vec![("ttd".into(), "a".into())]);
        assert_eq!(settings.generator.environment, Environment::Prod);
        assert_eq!(settings.generator.parties, 3);
        assert_eq!(settings.faults.len(), 2);
    }

    #[test]
    fn mistakes_are_named() {
        let template = Settings::default();
        let error = |body: &str| read(body.as_bytes(), &template, 10).unwrap_err();
        assert!(error(r#"{"nmae": "x"}"#).contains("unknown field"));
        assert!(error(r#"{"auth": "maybe"}"#).starts_with("auth: "));
        assert!(error(r#"{"visibilityLag": "soon"}"#).starts_with("visibilityLag: "));
        assert!(error(r#"{"faults": ["when=never"]}"#).starts_with("faults[0]: "));
        assert!(error(r#"{"fixtures": [{"id": 1}]}"#).starts_with("fixtures: "));
        assert!(error(r#"{"generator": {"env": "moon"}}"#).starts_with("generator.env: "));
        assert!(error(r#"{"generator": {"env": "PROD"}}"#).starts_with("generator.env: "));
        assert!(error(r#"{"auth": "Strict"}"#).starts_with("auth: "));
        assert!(
            error(r#"{"generator": {"apps": ["a/b,c/d"]}}"#).starts_with("generator.apps[0]: ")
        );
        assert!(error(r#"{"generator": {"parties": 0}}"#).starts_with("generator: "));
        assert!(
            error(r#"{"generator": {"start": "2024-01-01"}}"#).starts_with("generator.start: ")
        );
        assert!(error("[]").contains("expected"));
        assert!(error(r#"{"generate": 11}"#).starts_with("generate: at most 10"));
    }
}
