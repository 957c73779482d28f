//! A stored subscription (spec §3.3): normalised on insert, found again by de-duplication,
//! and written as production's `Subscription` model — camelCase, nulls omitted, properties in
//! declaration order, strings escaped as System.Text.Json escapes them.

use chrono::{DateTime, Timelike, Utc};

use super::uri::AbsoluteUri;
use crate::domain::json::write_str;

/// A subscription that passed every check, not yet stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Draft {
    pub(crate) end_point: AbsoluteUri,
    pub(crate) source_filter: Option<AbsoluteUri>,
    /// As given or derived; lower-cased when stored.
    pub(crate) resource_filter: String,
    pub(crate) subject_filter: Option<String>,
    pub(crate) type_filter: Option<String>,
    pub(crate) include_subunits: bool,
    /// The caller's entity (`consumer` and `createdBy`).
    pub(crate) consumer: String,
    /// A person's own party, from the token: the stand-in authorization of later events.
    pub(crate) owner_party: Option<u32>,
}

/// A stored subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StoredSubscription {
    /// From 1, ascending (production: a database sequence).
    pub(crate) id: u64,
    pub(crate) end_point: AbsoluteUri,
    pub(crate) source_filter: Option<AbsoluteUri>,
    /// Lower case.
    pub(crate) resource_filter: String,
    pub(crate) subject_filter: Option<String>,
    pub(crate) type_filter: Option<String>,
    pub(crate) consumer: String,
    pub(crate) created_by: String,
    /// The database's `now()`: microseconds.
    pub(crate) created: DateTime<Utc>,
    pub(crate) validated: bool,
    pub(crate) include_subunits: bool,
    pub(crate) owner_party: Option<u32>,
}

impl Draft {
    /// The row production inserts: `resourceFilter` lower-cased, `created` at `now`
    /// (microseconds, as PostgreSQL keeps it), not validated.
    pub(crate) fn into_subscription(self, id: u64, now: DateTime<Utc>) -> StoredSubscription {
        StoredSubscription {
            id,
            end_point: self.end_point,
            source_filter: self.source_filter,
            resource_filter: self.resource_filter.to_lowercase(),
            subject_filter: self.subject_filter,
            type_filter: self.type_filter,
            created_by: self.consumer.clone(),
            consumer: self.consumer,
            created: to_micros(now),
            validated: false,
            include_subunits: self.include_subunits,
            owner_party: self.owner_party,
        }
    }

    /// `find_subscription`: the same resource (lower-cased), source, subject, type, consumer,
    /// endpoint and `includeSubunits`, nulls equal to nulls only.
    pub(crate) fn is_duplicate_of(&self, stored: &StoredSubscription) -> bool {
        stored.resource_filter == self.resource_filter.to_lowercase()
            && stored.source_filter == self.source_filter
            && stored.subject_filter == self.subject_filter
            && stored.type_filter == self.type_filter
            && stored.consumer == self.consumer
            && stored.end_point == self.end_point
            && stored.include_subunits == self.include_subunits
    }
}

fn to_micros(time: DateTime<Utc>) -> DateTime<Utc> {
    let nanos = time.nanosecond();
    time.with_nanosecond(nanos - nanos % 1_000).unwrap_or(time)
}

impl StoredSubscription {
    /// The endpoint as stored (`AbsoluteUri`), where deliveries go.
    pub(crate) fn endpoint_text(&self) -> String {
        self.end_point.to_string()
    }

    /// The JSON production answers: `{"id":1,"endPoint":…,"validated":false,"includeSubunits":false}`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        out.extend_from_slice(format!("{{\"id\":{}", self.id).as_bytes());
        let field = |out: &mut Vec<u8>, name: &str, value: Option<&str>| {
            if let Some(value) = value {
                out.extend_from_slice(format!(",\"{name}\":").as_bytes());
                write_str(out, value);
            }
        };
        field(&mut out, "endPoint", Some(&self.end_point.to_string()));
        let source = self.source_filter.as_ref().map(ToString::to_string);
        field(&mut out, "sourceFilter", source.as_deref());
        field(&mut out, "resourceFilter", Some(&self.resource_filter));
        field(&mut out, "subjectFilter", self.subject_filter.as_deref());
        field(&mut out, "typeFilter", self.type_filter.as_deref());
        field(&mut out, "consumer", Some(&self.consumer));
        field(&mut out, "createdBy", Some(&self.created_by));
        field(&mut out, "created", Some(&format_created(self.created)));
        out.extend_from_slice(
            format!(
                ",\"validated\":{},\"includeSubunits\":{}}}",
                self.validated, self.include_subunits
            )
            .as_bytes(),
        );
        out
    }
}

/// `{"count":N,"subscriptions":[…]}`, as `GET /subscriptions` answers.
pub(crate) fn list_json(subscriptions: &[StoredSubscription]) -> Vec<u8> {
    let mut out = format!("{{\"count\":{},\"subscriptions\":[", subscriptions.len()).into_bytes();
    for (i, subscription) in subscriptions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(&subscription.to_json());
    }
    out.extend_from_slice(b"]}");
    out
}

/// A UTC `DateTime` as System.Text.Json writes it: `Z`, the fraction without trailing zeros.
pub(crate) fn format_created(time: DateTime<Utc>) -> String {
    let base = time.format("%Y-%m-%dT%H:%M:%S").to_string();
    let micros = time.nanosecond() / 1_000;
    if micros == 0 {
        return format!("{base}Z");
    }
    let fraction = format!("{micros:06}");
    format!("{base}.{}Z", fraction.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::push::uri::DotNetUri;

    fn uri(text: &str) -> AbsoluteUri {
        DotNetUri::parse(text).unwrap().absolute().unwrap().clone()
    }

    fn draft() -> Draft {
        Draft {
            end_point: uri("https://Webhook.site/43cec4b7"),
            source_filter: Some(uri("https://digdir.apps.altinn.no/digdir/demoapp")),
            resource_filter: "urn:altinn:resource:app_digdir_demoapp".into(),
            subject_filter: Some("/party/50002598".into()),
            type_filter: Some("app.instance.process.completed".into()),
            include_subunits: false,
            consumer: "/org/digdir".into(),
            owner_party: None,
        }
    }

    #[test]
    fn renders_the_201_body_in_declaration_order_without_nulls() {
        let created = DateTime::parse_from_rfc3339("2023-04-05T13:57:11.2349941Z")
            .unwrap()
            .to_utc();
        let stored = draft().into_subscription(1619, created);
        assert_eq!(
            String::from_utf8(stored.to_json()).unwrap(),
            r#"{"id":1619,"endPoint":"https://webhook.site/43cec4b7","sourceFilter":"https://digdir.apps.altinn.no/digdir/demoapp","resourceFilter":"urn:altinn:resource:app_digdir_demoapp","subjectFilter":"/party/50002598","typeFilter":"app.instance.process.completed","consumer":"/org/digdir","createdBy":"/org/digdir","created":"2023-04-05T13:57:11.234994Z","validated":false,"includeSubunits":false}"#
        );
        let mut bare = draft();
        bare.source_filter = None;
        bare.subject_filter = None;
        bare.type_filter = None;
        let json = String::from_utf8(bare.into_subscription(1, created).to_json()).unwrap();
        assert!(
            !json.contains("\"sourceFilter\"") && !json.contains("typeFilter"),
            "{json}"
        );
    }

    #[test]
    fn created_drops_trailing_zeros() {
        let at = |text: &str| DateTime::parse_from_rfc3339(text).unwrap().to_utc();
        assert_eq!(
            format_created(at("2024-01-02T03:04:05Z")),
            "2024-01-02T03:04:05Z"
        );
        assert_eq!(
            format_created(at("2024-01-02T03:04:05.5Z")),
            "2024-01-02T03:04:05.5Z"
        );
    }

    #[test]
    fn duplicates_compare_the_lower_cased_resource_and_every_filter() {
        let stored = draft().into_subscription(1, Utc::now());
        let mut same = draft();
        same.resource_filter = same.resource_filter.to_uppercase();
        assert!(same.is_duplicate_of(&stored));
        let mut other_type = draft();
        other_type.type_filter = Some(String::new());
        assert!(!other_type.is_duplicate_of(&stored));
        let mut without_source = draft();
        without_source.source_filter = None;
        assert!(!without_source.is_duplicate_of(&stored));
    }
}
