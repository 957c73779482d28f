//! Which subscriptions an event goes to (spec §7.1–7.3): resource, subject and type as
//! `getsubscriptions_v2` compares them, then the source filter as .NET's `Uri.IsBaseOf`
//! decides, quirk included. Authorization (§7.4) is `authorize`'s.

use super::subscription::StoredSubscription;
use super::uri::DotNetUri;
use crate::domain::event::Event;

/// Whether `event` matches `subscription`'s filters (validation aside):
///
/// * `resourceFilter` equals the event's `resource` exactly (an event without one matches
///   nothing; the filter is stored lower-cased, so a resource with upper case never matches);
/// * no `subjectFilter`, or one equal to the event's `subject` — `""` matches only events
///   without a subject, since production compares with `subject ?? ""`;
/// * no `typeFilter`, or one equal to the event's `type` (`""` matches nothing);
/// * no `sourceFilter`, or one that `IsBaseOf` the event's `source`: compared up to its last
///   `/`, so `…/ttd/apps-test` lets every app of `ttd` on that host through.
#[cfg(test)]
pub(crate) fn matches(subscription: &StoredSubscription, event: &Event) -> bool {
    matches_stored_filters(subscription, event) && source_matches(subscription, event)
}

/// What production's database compares (`getsubscriptions_v2`): resource, subject and type.
pub(crate) fn matches_stored_filters(subscription: &StoredSubscription, event: &Event) -> bool {
    let resource_matches = event.resource() == Some(subscription.resource_filter.as_str());
    let subject_matches = subscription
        .subject_filter
        .as_deref()
        .is_none_or(|filter| filter == event.subject().unwrap_or_default());
    let type_matches = subscription
        .type_filter
        .as_deref()
        .is_none_or(|filter| filter == event.event_type());
    resource_matches && subject_matches && type_matches
}

/// The source filter, as `OutboundService` applies it after the database: `Uri.IsBaseOf`.
pub(crate) fn source_matches(subscription: &StoredSubscription, event: &Event) -> bool {
    let Some(filter) = &subscription.source_filter else {
        return true;
    };
    match DotNetUri::parse(event.source()) {
        Ok(DotNetUri::Absolute(source)) => filter.is_base_of(&source),
        _ => false,
    }
}

/// What production's authorization cache keys an app event's decision by: the source up to
/// its app (`https://{host}/{org}/{app}`) when its host is an apps domain, else the source.
pub(crate) fn authorization_scope(event: &Event, apps_domains: &[String]) -> String {
    let source = event.source();
    let Ok(DotNetUri::Absolute(uri)) = DotNetUri::parse(source) else {
        return source.to_owned();
    };
    let on_apps_domain = apps_domains
        .iter()
        .any(|domain| uri.host.contains(domain.as_str()));
    let segments: Vec<&str> = uri.absolute_path().split('/').collect();
    match segments.as_slice() {
        [_, org, app, ..] if on_apps_domain => {
            format!("{}://{}/{org}/{app}", uri.scheme, uri.host)
        }
        _ => source.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::push::subscription::Draft;
    use chrono::Utc;
    use serde_json::json;

    fn subscription(source: Option<&str>, resource: &str) -> StoredSubscription {
        let uri = |text: &str| DotNetUri::parse(text).unwrap().absolute().unwrap().clone();
        Draft {
            end_point: uri("https://hook.no/"),
            source_filter: source.map(uri),
            resource_filter: resource.into(),
            subject_filter: None,
            type_filter: None,
            include_subunits: false,
            consumer: "/org/ttd".into(),
            owner_party: None,
        }
        .into_subscription(1, Utc::now())
    }

    fn event(source: &str, subject: Option<&str>, event_type: &str) -> Event {
        let mut value = json!({
            "specversion": "1.0", "id": "1", "type": event_type, "source": source,
            "time": "2024-03-01T12:00:00Z",
        });
        if let Some(subject) = subject {
            value["subject"] = json!(subject);
        }
        Event::from_json(value).unwrap()
    }

    const APP: &str = "urn:altinn:resource:app_ttd_apps-test";
    const INSTANCE: &str =
        "https://ttd.apps.altinn.no/ttd/apps-test/instances/1/0b4b4c4e-aaaa-4bbb-8ccc-000000000001";

    #[test]
    fn resource_subject_and_type_compare_exactly() {
        let mut sub = subscription(None, APP);
        assert!(matches(
            &sub,
            &event(INSTANCE, Some("/party/1"), "app.instance.created")
        ));
        sub.subject_filter = Some("/party/1".into());
        sub.type_filter = Some("app.instance.created".into());
        assert!(matches(
            &sub,
            &event(INSTANCE, Some("/party/1"), "app.instance.created")
        ));
        assert!(!matches(
            &sub,
            &event(INSTANCE, Some("/party/2"), "app.instance.created")
        ));
        assert!(!matches(
            &sub,
            &event(INSTANCE, Some("/party/1"), "App.instance.created")
        ));
        sub.type_filter = Some(String::new());
        assert!(!matches(
            &sub,
            &event(INSTANCE, Some("/party/1"), "app.instance.created")
        ));
    }

    #[test]
    fn an_empty_subject_filter_matches_only_events_without_a_subject() {
        let generic = "urn:altinn:resource:ttd-test";
        let mut sub = subscription(None, generic);
        sub.subject_filter = Some(String::new());
        let with_resource = |subject: Option<&str>| {
            let mut value = json!({"specversion": "1.0", "id": "1", "type": "t",
                "source": "urn:x:y", "time": "2024-03-01T12:00:00Z", "resource": generic});
            if let Some(subject) = subject {
                value["subject"] = json!(subject);
            }
            Event::from_json(value).unwrap()
        };
        assert!(matches(&sub, &with_resource(None)));
        assert!(!matches(&sub, &with_resource(Some("/party/1"))));
    }

    #[test]
    fn the_source_filter_ignores_the_app_name_as_is_base_of_does() {
        let sub = subscription(
            Some("https://ttd.apps.altinn.no/ttd/apps-test"),
            "urn:altinn:resource:app_ttd_other",
        );
        let other_app =
            "https://ttd.apps.altinn.no/ttd/other/instances/1/0b4b4c4e-aaaa-4bbb-8ccc-000000000001";
        assert!(matches(
            &sub,
            &event(other_app, Some("/party/1"), "app.instance.created")
        ));
        let dialogporten = subscription(Some("https://ttd.apps.altinn.no/ttd/apps-test"), APP);
        let mut value = json!({"specversion": "1.0", "id": "1", "type": "dialogporten.x",
            "source": "https://platform.altinn.no/dialogporten/api/v1/dialogs/1",
            "time": "2024-03-01T12:00:00Z", "resource": APP});
        value["subject"] = json!("/party/1");
        assert!(!matches(&dialogporten, &Event::from_json(value).unwrap()));
    }
}
