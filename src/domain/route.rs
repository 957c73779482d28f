//! Which endpoint a request reached: what the journal records and what fault rules select.

use serde::Serialize;

/// The endpoint a request reached, as [`JournalEntry::route`](crate::JournalEntry::route)
/// records it and a fault rule's `route=` selects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Route {
    /// `GET /events/api/v1/app/{org}/{app}`.
    Query,
    /// `POST /events/api/v1/app`.
    Publish,
    /// `GET /events/api/v1/app/party`.
    Party,
    /// `GET /events/api/v1/events`.
    Generic,
    /// `POST /events/api/v1/events`.
    #[serde(rename = "generic_publish")]
    GenericPublish,
    /// `/events/api/v1/subscriptions` and `/events/api/v1/subscriptions/{id}`.
    Subscriptions,
    /// `/_mock/token`.
    Token,
    /// The rest of `/_mock`.
    Admin,
    /// A path nothing is served at.
    Unknown,
}

/// The routes a fault rule's `route=` may name, in the order the docs list them.
const FAULT_ROUTES: [Route; 8] = [
    Route::Query,
    Route::Party,
    Route::Generic,
    Route::Publish,
    Route::GenericPublish,
    Route::Subscriptions,
    Route::Admin,
    Route::Token,
];

impl Route {
    /// The name the journal and the fault spelling use: `query`, `publish`, `party`, …
    pub fn name(self) -> &'static str {
        match self {
            Route::Query => "query",
            Route::Publish => "publish",
            Route::Party => "party",
            Route::Generic => "generic",
            Route::GenericPublish => "generic_publish",
            Route::Subscriptions => "subscriptions",
            Route::Token => "token",
            Route::Admin => "admin",
            Route::Unknown => "unknown",
        }
    }

    /// Whether it is an endpoint of the faked Altinn API (not the mock's own `/_mock`, nor a
    /// path nothing is served at).
    pub(crate) fn is_api(self) -> bool {
        !matches!(self, Route::Token | Route::Admin | Route::Unknown)
    }

    /// The route a fault rule's `route=` names (`unknown` is not one a rule can select).
    pub(crate) fn for_fault_rule(name: &str) -> Option<Route> {
        FAULT_ROUTES.into_iter().find(|route| route.name() == name)
    }

    /// `query, party, …`: the names a fault rule's `route=` takes, for messages.
    pub(crate) fn fault_rule_names() -> String {
        FAULT_ROUTES.map(Route::name).join(", ")
    }

    /// The endpoints that answer a page of events with a `next` link: what the page fault
    /// actions (`drop_next`, `stale_next`, `empty_page`) change, and what
    /// `MockServer::wait_for_requests` counts.
    pub(crate) fn serves_pages(self) -> bool {
        matches!(self, Route::Query | Route::Party | Route::Generic)
    }
}

/// Which requests a fault rule sees: its `route=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RouteFilter {
    /// Every endpoint of the faked Altinn API (`route=api`, the default): what a consumer
    /// calls, not the mock's own `/_mock` (so a script's token request is never counted).
    Api,
    /// Every request, `/_mock` included (`route=all`), but `/_mock/faults` itself.
    All,
    /// Requests to this one endpoint (`route=query`, `route=publish`, …).
    Only(Route),
}

impl RouteFilter {
    /// Whether a request that reached `route` passes the filter.
    pub(crate) fn covers(self, route: Route) -> bool {
        match self {
            RouteFilter::Api => route.is_api(),
            RouteFilter::All => true,
            RouteFilter::Only(only) => only == route,
        }
    }

    /// The name the spelling uses.
    pub fn name(self) -> &'static str {
        match self {
            RouteFilter::Api => "api",
            RouteFilter::All => "all",
            RouteFilter::Only(route) => route.name(),
        }
    }

    /// The filter `route=NAME` names.
    pub(crate) fn named(name: &str) -> Option<RouteFilter> {
        match name {
            "api" => Some(RouteFilter::Api),
            "all" => Some(RouteFilter::All),
            _ => Route::for_fault_rule(name).map(RouteFilter::Only),
        }
    }
}

impl From<Route> for RouteFilter {
    fn from(route: Route) -> RouteFilter {
        RouteFilter::Only(route)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_route_reads_back_from_its_name() {
        for route in FAULT_ROUTES {
            assert_eq!(Route::for_fault_rule(route.name()), Some(route));
            let json = serde_json::to_value(route).unwrap();
            assert_eq!(json, route.name(), "the journal spells it as the rules do");
        }
        assert_eq!(Route::for_fault_rule("unknown"), None);
        assert_eq!(Route::for_fault_rule("events"), None);
    }
}
