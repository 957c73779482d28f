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
    /// `/events/api/v1/subscriptions` and `/events/api/v1/subscriptions/{id}`.
    Subscriptions,
    /// `/_mock/token`.
    Token,
    /// The rest of `/_mock`.
    Admin,
    /// A path nothing is served at.
    Unknown,
}

impl Route {
    /// The name the journal and the fault spelling use: `query`, `publish`, `token`, …
    pub fn name(self) -> &'static str {
        match self {
            Route::Query => "query",
            Route::Publish => "publish",
            Route::Subscriptions => "subscriptions",
            Route::Token => "token",
            Route::Admin => "admin",
            Route::Unknown => "unknown",
        }
    }

    /// The route a fault rule's `route=` names (`unknown` is not one a rule can select).
    pub(crate) fn for_fault_rule(name: &str) -> Option<Route> {
        Some(match name {
            "query" => Route::Query,
            "publish" => Route::Publish,
            "subscriptions" => Route::Subscriptions,
            "token" => Route::Token,
            "admin" => Route::Admin,
            _ => return None,
        })
    }
}
