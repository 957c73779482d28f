//! `POST /events/api/v1/subscriptions`' checks in production's order (spec §3), after
//! authentication and binding: the endpoint and source filter, app or generic, the scope, the
//! URN, then the app path (§3.1) or the generic path (§3.2). Authorization (§4) follows in
//! `authorize`.

use super::identity::Subscriber;
use super::request::SubscriptionRequest;
use super::subscription::Draft;
use super::uri::{AbsoluteUri, DotNetUri};
use crate::domain::event::is_valid_urn;
use crate::domain::store::PartyIdentifier;

/// Why production refuses a subscription: one variant per answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// Rule 1: 400.
    InvalidEndpoint,
    /// Rule 2: 400.
    InvalidSourceFilter,
    /// Rule 3: a generic subscription without `altinn:events.subscribe`: an empty 403.
    MissingScope,
    /// Rule 4: 400.
    InvalidUrn,
    /// Rule 5, the app or generic path's checks: 400 with the message.
    Invalid(&'static str),
    /// Rule 6, the policy decision: 403 with `Not authorized to create a subscription for
    /// resource {resourceFilter}.`
    NotAuthorized(String),
    /// The policy request cannot be built for an app resource without a second `_`: production
    /// throws (500).
    UnmappableAppResource,
}

impl Refusal {
    /// The JSON string production answers with (`None`: an empty body or a bare 500).
    pub(crate) fn message(&self) -> Option<String> {
        Some(match self {
            Refusal::InvalidEndpoint => "Missing or invalid endpoint to push events towards".into(),
            Refusal::InvalidSourceFilter => {
                "SourceFilter must be an absolute URL with the https scheme.".into()
            }
            Refusal::InvalidUrn => "Resource filter must be a valid urn".into(),
            Refusal::Invalid(message) => (*message).into(),
            Refusal::NotAuthorized(resource) => {
                format!("Not authorized to create a subscription for resource {resource}.")
            }
            Refusal::MissingScope | Refusal::UnmappableAppResource => return None,
        })
    }
}

/// Which endpoints the fake may POST to (production: `https` only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WebhookHttp {
    /// Production's rule 1: `https` only.
    Never,
    /// Plain `http` too, to loopback hosts (the default: test receivers on 127.0.0.1).
    #[default]
    Loopback,
    /// Plain `http` to any host.
    Any,
}

/// What the checks need besides the request and the caller.
pub(crate) struct CheckContext<'a> {
    /// `PlatformSettings:AppsDomain` values; a source filter whose host ends with one makes an
    /// app subscription.
    pub(crate) apps_domains: &'a [String],
    pub(crate) webhook_http: WebhookHttp,
    /// The party register: a person's or an organisation's party id.
    pub(crate) lookup_party: &'a dyn Fn(&PartyIdentifier) -> Option<u32>,
}

const APP_RESOURCE_PREFIX: &str = "urn:altinn:resource:app_";
const SUBJECT_REQUIRED: &str = "A valid subject to the authenticated identity is required";
const SUBUNITS_NEED_SUBJECT: &str = "IncludeSubunits requires a subject filter.";

/// Rules 1–5: the subscription to authorize, or the first refusal.
pub(crate) fn check(
    request: SubscriptionRequest,
    subscriber: &Subscriber,
    context: &CheckContext<'_>,
) -> Result<Draft, Refusal> {
    let end_point = match request.end_point.as_ref().and_then(DotNetUri::absolute) {
        Some(uri) if endpoint_allowed(uri, context.webhook_http) => uri.clone(),
        _ => return Err(Refusal::InvalidEndpoint),
    };
    let source_filter = match &request.source_filter {
        None => None,
        Some(DotNetUri::Absolute(uri)) if uri.scheme == "https" => Some(uri.clone()),
        Some(_) => return Err(Refusal::InvalidSourceFilter),
    };
    let is_app = is_app_subscription(&request, source_filter.as_ref(), context.apps_domains);
    if !is_app && !subscriber.can_subscribe {
        return Err(Refusal::MissingScope);
    }
    if let Some(resource) = &request.resource_filter
        && !is_valid_urn(resource)
    {
        return Err(Refusal::InvalidUrn);
    }
    let checked = Checked {
        end_point,
        source_filter,
        request,
    };
    if is_app {
        checked.app(subscriber, context)
    } else {
        checked.generic(subscriber)
    }
}

fn endpoint_allowed(uri: &AbsoluteUri, http: WebhookHttp) -> bool {
    match (uri.scheme.as_str(), http) {
        ("https", _) => true,
        ("http", WebhookHttp::Any) => true,
        ("http", WebhookHttp::Loopback) => is_loopback(&uri.host),
        _ => false,
    }
}

/// `localhost`, `127.0.0.0/8` or `[::1]`.
pub(crate) fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// App if the resource filter starts with `urn:altinn:resource:app_` in any case, or the
/// source filter's host ends with an apps domain; generic otherwise.
fn is_app_subscription(
    request: &SubscriptionRequest,
    source_filter: Option<&AbsoluteUri>,
    apps_domains: &[String],
) -> bool {
    let app_resource = request.resource_filter.as_deref().is_some_and(|resource| {
        resource
            .get(..APP_RESOURCE_PREFIX.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(APP_RESOURCE_PREFIX))
    });
    app_resource
        || source_filter.is_some_and(|source| {
            apps_domains
                .iter()
                .any(|domain| source.host.ends_with(domain.as_str()))
        })
}

/// A request past rules 1–4.
struct Checked {
    end_point: AbsoluteUri,
    source_filter: Option<AbsoluteUri>,
    request: SubscriptionRequest,
}

impl Checked {
    /// `AppSubscriptionService.CreateSubscription` (§3.1).
    fn app(self, subscriber: &Subscriber, context: &CheckContext<'_>) -> Result<Draft, Refusal> {
        let request = &self.request;
        let alternative = request
            .alternative_subject_filter
            .as_deref()
            .filter(|a| !a.is_empty());
        let mut subject = request.subject_filter.clone();
        if subject.as_deref().is_none_or(str::is_empty)
            && let Some(alternative) = alternative
        {
            // Production swallows every lookup error; an unknown party leaves the subject as
            // it was.
            if let Some(party) = party_of(alternative, context.lookup_party) {
                subject = Some(format!("/party/{party}"));
            }
        }
        let no_subject = subject.as_deref().is_none_or(str::is_empty);
        if no_subject && subscriber.org.is_none() {
            return Err(Refusal::Invalid(SUBJECT_REQUIRED));
        }
        if alternative.is_some() && no_subject {
            return Err(Refusal::Invalid(SUBJECT_REQUIRED));
        }
        if request.include_subunits && no_subject {
            return Err(Refusal::Invalid(SUBUNITS_NEED_SUBJECT));
        }
        let Some(consumer) = subscriber.entity.clone() else {
            return Err(Refusal::Invalid("Missing event consumer"));
        };
        let source_resource = match &self.source_filter {
            Some(source) => Some(resource_from_source(source).ok_or(Refusal::Invalid(
                "A valid app id is required in source filter {environment}/{org}/{app}",
            ))?),
            None => None,
        };
        let resource = match (&request.resource_filter, source_resource) {
            (Some(given), Some(derived)) if !given.is_empty() && *given != derived => {
                return Err(Refusal::Invalid(
                    "Provided resource filter and source filter are not compatible",
                ));
            }
            (Some(given), _) => given.clone(),
            (None, Some(derived)) => derived,
            // Classified as app by the resource filter, so one was given.
            (None, None) => String::new(),
        };
        Ok(self.draft(resource, subject, consumer, subscriber))
    }

    /// `GenericSubscriptionService.CreateSubscription` (§3.2).
    fn generic(self, subscriber: &Subscriber) -> Result<Draft, Refusal> {
        let request = &self.request;
        let resource = match request.resource_filter.as_deref() {
            Some(resource) if !resource.is_empty() => resource.to_owned(),
            _ => return Err(Refusal::Invalid("Resource filter is required.")),
        };
        if request.source_filter.is_some() {
            return Err(Refusal::Invalid(
                "Source filter is not supported for subscriptions on this resource.",
            ));
        }
        if request
            .alternative_subject_filter
            .as_deref()
            .is_some_and(|a| !a.is_empty())
        {
            return Err(Refusal::Invalid(
                "AlternativeSubject filter is not supported for subscriptions on this resource.",
            ));
        }
        if request.include_subunits && request.subject_filter.as_deref().is_none_or(str::is_empty) {
            return Err(Refusal::Invalid(SUBUNITS_NEED_SUBJECT));
        }
        // A null entity goes on to the policy decision, which refuses it.
        let consumer = subscriber.entity.clone().unwrap_or_default();
        let subject = request.subject_filter.clone();
        Ok(self.draft(resource, subject, consumer, subscriber))
    }

    fn draft(
        self,
        resource_filter: String,
        subject_filter: Option<String>,
        consumer: String,
        subscriber: &Subscriber,
    ) -> Draft {
        Draft {
            end_point: self.end_point,
            source_filter: self.source_filter,
            resource_filter,
            subject_filter,
            type_filter: self.request.type_filter,
            include_subunits: self.request.include_subunits,
            consumer,
            owner_party: subscriber.party_id,
        }
    }
}

/// `/org/{n}` and `/organisation/{n}` name an organisation, `/person/{n}` a person.
fn party_of(alternative: &str, lookup: &dyn Fn(&PartyIdentifier) -> Option<u32>) -> Option<u32> {
    let identifier = if let Some(number) = alternative.strip_prefix("/org/") {
        PartyIdentifier::Unit(number.to_owned())
    } else if let Some(number) = alternative.strip_prefix("/organisation/") {
        PartyIdentifier::Unit(number.to_owned())
    } else if let Some(number) = alternative.strip_prefix("/person/") {
        PartyIdentifier::Person(number.to_owned())
    } else {
        return None;
    };
    lookup(&identifier).filter(|party| *party != 0)
}

/// `urn:altinn:resource:app_{org}_{app}` from a source filter's path, which must be exactly
/// `/{org}/{app}` (rule e); the segments as typed.
pub(crate) fn resource_from_source(source: &AbsoluteUri) -> Option<String> {
    let parts: Vec<&str> = source.absolute_path().split('/').collect();
    (parts.len() == 3).then(|| format!("{APP_RESOURCE_PREFIX}{}_{}", parts[1], parts[2]))
}

#[cfg(test)]
mod tests;
