//! Which endpoint a path names, matched as ASP.NET Core routing matches it: literal segments
//! in any case, route values decoded, one trailing slash allowed.

use hyper::Method;

use crate::domain::query::decode_path_segment;
use crate::domain::route::Route;

/// The endpoint a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// `/events/api/v1/app/{org}/{app}`.
    AppEvents { org: String, app: String },
    /// `/events/api/v1/app`.
    Publish,
    /// `/events/api/v1/subscriptions`.
    Subscriptions,
    /// `/events/api/v1/subscriptions/{id}`, the id as written (binding is the endpoint's).
    Subscription(String),
    /// `/events/api/v1/app/party` (a literal segment: `/app/party/x` is an app's events).
    PartyEvents,
    /// `GET /events/api/v1/events`, and every method but `POST` there (a 405).
    GenericEvents,
    /// `POST /events/api/v1/events`.
    GenericPublish,
    /// `/_mock/…`.
    Admin(AdminEndpoint),
    /// Anything else.
    Unknown,
}

/// The endpoints under `/_mock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum AdminEndpoint {
    /// `/_mock/token`: always served.
    Token,
    /// `/_mock/health`: always served.
    Health,
    /// `/_mock/events`.
    Events,
    /// `/_mock/requests`.
    Requests,
    /// `/_mock/clock`.
    Clock,
    /// `/_mock/reset`.
    Reset,
    /// `/_mock/openapi.json`.
    OpenApi,
    /// `/_mock/live`.
    Live,
    /// `/_mock/faults`.
    Faults,
    /// `/_mock/faults/{id}`, the id as written (a non-number names no rule: a 404).
    Fault(String),
    /// `/_mock/subscriptions`.
    Subscriptions,
    /// `/_mock/subscriptions/{id}/validate`.
    ValidateSubscription(String),
    /// `/_mock/deliveries`.
    Deliveries,
    /// `/_mock/deliveries/{id}/retry`.
    RetryDelivery(String),
    /// `/_mock/grants`.
    Grants,
    /// `/_mock/namespaces` (the default namespace only).
    Namespaces,
    /// `/_mock/namespaces/{name}`, the name as written.
    Namespace(String),
}

impl Endpoint {
    /// The endpoint `path` names.
    pub(super) fn of(path: &str) -> Endpoint {
        let trimmed = path.strip_suffix('/').unwrap_or(path);
        // On the stack: no route has more than six segments, so a longer path is no route.
        let mut buffer = [""; 6];
        let mut count = 0;
        for segment in trimmed.split('/').skip(1) {
            let Some(slot) = buffer.get_mut(count) else {
                return Endpoint::Unknown;
            };
            *slot = segment;
            count += 1;
        }
        let segments = &buffer[..count];
        let literal = |i: usize, expected: &str| {
            segments
                .get(i)
                .is_some_and(|s| s.eq_ignore_ascii_case(expected))
        };
        let under_api = literal(0, "events") && literal(1, "api") && literal(2, "v1");
        let under_app = under_api && literal(3, "app");
        let under_subscriptions = under_api && literal(3, "subscriptions");
        match segments {
            [_, _, _, _] if under_subscriptions => Endpoint::Subscriptions,
            [_, _, _, _, id] if under_subscriptions && !id.is_empty() => {
                Endpoint::Subscription(decode_path_segment(id))
            }
            // ASP.NET Core matches literal segments on the decoded path, in any case.
            [_, _, _, _, party]
                if under_app && decode_path_segment(party).eq_ignore_ascii_case("party") =>
            {
                Endpoint::PartyEvents
            }
            [_, _, _, _] if under_api && literal(3, "events") => Endpoint::GenericEvents,
            [_, _, _, _, org, app] if under_app && !org.is_empty() && !app.is_empty() => {
                Endpoint::AppEvents {
                    org: decode_path_segment(org),
                    app: decode_path_segment(app),
                }
            }
            [_, _, _, _] if under_app => Endpoint::Publish,
            ["_mock", name] => {
                AdminEndpoint::named(name).map_or(Endpoint::Unknown, Endpoint::Admin)
            }
            ["_mock", "faults", id] => Endpoint::Admin(AdminEndpoint::Fault((*id).to_owned())),
            ["_mock", "namespaces", name] => {
                Endpoint::Admin(AdminEndpoint::Namespace((*name).to_owned()))
            }
            ["_mock", "subscriptions", id, "validate"] => {
                Endpoint::Admin(AdminEndpoint::ValidateSubscription((*id).to_owned()))
            }
            ["_mock", "deliveries", id, "retry"] => {
                Endpoint::Admin(AdminEndpoint::RetryDelivery((*id).to_owned()))
            }
            _ => Endpoint::Unknown,
        }
    }

    /// The endpoint a request with `method` reaches: `/events/api/v1/events` is two actions.
    pub(super) fn for_method(self, method: &Method) -> Endpoint {
        match self {
            Endpoint::GenericEvents if method == Method::POST => Endpoint::GenericPublish,
            other => other,
        }
    }

    /// The route the journal records and fault rules select.
    pub(super) fn route(&self) -> Route {
        match self {
            Endpoint::AppEvents { .. } => Route::Query,
            Endpoint::Publish => Route::Publish,
            Endpoint::Subscriptions | Endpoint::Subscription(_) => Route::Subscriptions,
            Endpoint::PartyEvents => Route::Party,
            Endpoint::GenericEvents => Route::Generic,
            Endpoint::GenericPublish => Route::GenericPublish,
            Endpoint::Admin(AdminEndpoint::Token) => Route::Token,
            Endpoint::Admin(_) => Route::Admin,
            Endpoint::Unknown => Route::Unknown,
        }
    }

    /// The fault endpoints, which no fault rule touches, so a rule can always be removed.
    pub(super) fn is_fault_admin(&self) -> bool {
        matches!(
            self,
            Endpoint::Admin(AdminEndpoint::Faults | AdminEndpoint::Fault(_))
        )
    }
}

impl AdminEndpoint {
    fn named(name: &str) -> Option<AdminEndpoint> {
        Some(match name {
            "token" => AdminEndpoint::Token,
            "health" => AdminEndpoint::Health,
            "events" => AdminEndpoint::Events,
            "requests" => AdminEndpoint::Requests,
            "clock" => AdminEndpoint::Clock,
            "reset" => AdminEndpoint::Reset,
            "openapi.json" => AdminEndpoint::OpenApi,
            "live" => AdminEndpoint::Live,
            "faults" => AdminEndpoint::Faults,
            "subscriptions" => AdminEndpoint::Subscriptions,
            "deliveries" => AdminEndpoint::Deliveries,
            "grants" => AdminEndpoint::Grants,
            "namespaces" => AdminEndpoint::Namespaces,
            _ => return None,
        })
    }

    /// Token and health stay open with `--no-admin` and `--admin-token`.
    pub(super) fn is_open(&self) -> bool {
        matches!(self, AdminEndpoint::Token | AdminEndpoint::Health)
    }

    /// The methods the endpoint answers, for the 405's `Allow`.
    pub(super) fn allowed(&self) -> &'static str {
        match self {
            AdminEndpoint::Token | AdminEndpoint::Health | AdminEndpoint::OpenApi => "GET",
            AdminEndpoint::Events
            | AdminEndpoint::Live
            | AdminEndpoint::Faults
            | AdminEndpoint::Subscriptions
            | AdminEndpoint::Grants
            | AdminEndpoint::Namespaces => "GET, POST, DELETE",
            AdminEndpoint::Requests
            | AdminEndpoint::Fault(_)
            | AdminEndpoint::Deliveries
            | AdminEndpoint::Namespace(_) => "GET, DELETE",
            AdminEndpoint::ValidateSubscription(_) | AdminEndpoint::RetryDelivery(_) => "POST",
            AdminEndpoint::Clock => "GET, POST",
            AdminEndpoint::Reset => "POST",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_like_aspnet_core() {
        let app_events = |org: &str, app: &str| Endpoint::AppEvents {
            org: org.into(),
            app: app.into(),
        };
        assert_eq!(
            Endpoint::of("/events/api/v1/app/ttd/apps-test"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(
            Endpoint::of("/EVENTS/Api/V1/APP/ttd/apps-test/"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/app/ttd/apps%2Dtest"),
            app_events("ttd", "apps-test")
        );
        assert_eq!(Endpoint::of("/events/api/v1/app/ttd"), Endpoint::Unknown);
        assert_eq!(
            Endpoint::of("/events/api/v1/app//apps-test"),
            Endpoint::Unknown
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/app/ttd/apps-test/x"),
            Endpoint::Unknown
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/app/ttd/apps-test//"),
            Endpoint::Unknown
        );
        assert_eq!(Endpoint::of("/events/api/v1/app"), Endpoint::Publish);
        assert_eq!(
            Endpoint::of("/Events/Api/V1/Subscriptions/"),
            Endpoint::Subscriptions
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/subscriptions/12"),
            Endpoint::Subscription("12".into())
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/subscription/12"),
            Endpoint::Unknown,
            "the 201's Location leads nowhere"
        );
        assert_eq!(
            Endpoint::of("/_mock/deliveries/3/retry"),
            Endpoint::Admin(AdminEndpoint::RetryDelivery("3".into()))
        );
        for party in [
            "/events/api/v1/app/party",
            "/Events/API/v1/App/PARTY/",
            "/events/api/v1/app/%70arty",
        ] {
            assert_eq!(Endpoint::of(party), Endpoint::PartyEvents, "{party}");
        }
        assert_eq!(
            Endpoint::of("/events/api/v1/app/party/x"),
            app_events("party", "x"),
            "a sixth segment makes it an app's events"
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/events"),
            Endpoint::GenericEvents
        );
        assert_eq!(
            Endpoint::of("/EVENTS/api/v1/Events/"),
            Endpoint::GenericEvents
        );
        assert_eq!(Endpoint::of("/events/api/v1/events/x"), Endpoint::Unknown);
        assert_eq!(
            Endpoint::of("/events/api/v1/events").for_method(&Method::POST),
            Endpoint::GenericPublish
        );
        assert_eq!(
            Endpoint::of("/events/api/v1/events").for_method(&Method::PUT),
            Endpoint::GenericEvents
        );
        assert_eq!(Endpoint::of("/Events/api/v1/App/"), Endpoint::Publish);
        assert_eq!(
            Endpoint::of("/_mock/token"),
            Endpoint::Admin(AdminEndpoint::Token)
        );
        assert_eq!(
            Endpoint::of("/_mock/openapi.json"),
            Endpoint::Admin(AdminEndpoint::OpenApi)
        );
        assert_eq!(
            Endpoint::of("/_mock/faults/abc"),
            Endpoint::Admin(AdminEndpoint::Fault("abc".into()))
        );
        assert_eq!(Endpoint::of("/_mock/nothing"), Endpoint::Unknown);
        assert_eq!(Endpoint::of("/"), Endpoint::Unknown);
    }

    #[test]
    fn everything_under_mock_faults_is_exempt_from_faults() {
        for path in ["/_mock/faults", "/_mock/faults/1", "/_mock/faults/8.7e-33"] {
            assert!(Endpoint::of(path).is_fault_admin(), "{path}");
        }
        assert!(!Endpoint::of("/_mock/events").is_fault_admin());
    }
}
