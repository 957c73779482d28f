//! An in-memory fake of Altinn Events for the people who build its consumers: the app owners'
//! query API `GET /events/api/v1/app/{org}/{app}`, the parties' `GET /events/api/v1/app/party`,
//! the generic events API (`GET` and `POST /events/api/v1/events`), app publishing, and
//! webhook subscriptions with production's handshake and retries on the server clock —
//! faithful to production down to its quirks, with fault injection, synthetic data and a live
//! feed.
//!
//! Start a [`MockServer`] in a test, point your client at it, make it fail on purpose, and
//! look at what your client did (the README's example):
//!
//! ```
//! use altinn_events_mock::{AppEventRequest, MockServer};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await;
//! let source = "https://ttd.apps.tt02.altinn.no/ttd/apps-test/instances/1337/6c8f1b6e-3c38-4a6b-9a0e-2f1d7c5b9e41";
//! server.publish_app_event(AppEventRequest::new(source, "/party/1337", "app.instance.created"))?;
//! let _outage = server.fault("when=nth:2,what=status:503,route=query");
//!
//! let client = reqwest::Client::new();
//! let url = format!("{}?from=2000-01-01Z", server.events_url("ttd", "apps-test"));
//! let first = client.get(&url).bearer_auth(server.token("ttd")).send().await?;
//! assert_eq!(first.status(), 200);
//! let second = client.get(&url).bearer_auth(server.token("ttd")).send().await?;
//! assert_eq!(second.status(), 503, "the consumer must retry");
//! assert_eq!(server.received_requests().len(), 2);
//! # Ok(())
//! # }
//! ```
//!
//! To see how a consumer copes when things go wrong, add a [`FaultRule`] with
//! [`MockServer::fault`]: a 503 in the middle of a traversal, a reset connection, a page
//! without `next`. The docs folder of the repository describes every endpoint, quirk and flag.
//!
//! # How the crate is built
//!
//! Three rings, each importing only from the rings below it:
//!
//! * **Faces** turn the outside into calls on the core: `http` (hyper requests → verbs →
//!   responses; one place maps errors to responses), `mock_server` (this page's
//!   [`MockServer`] and its builder, the only way any server starts) and `cli` (flags → the
//!   builder).
//! * **The core**, `service`: one `MockService` per server owns all mutable state (events,
//!   clock, journal, fault rules, live feed, grants, subscriptions, deliveries) behind private
//!   fields, and offers verbs
//!   (`publish`, `clear_events`, `reset`, `add_fault`, `record`, `advance_clock`, …) that keep
//!   every invariant in one place.
//! * **The domain**, `domain`: production's rules as pure code — events, queries, the store,
//!   tokens, fault decisions, subscriptions and webhooks, the generator.
//!
//! Where a change goes: a new endpoint is a face function in `http` routed in
//! `http/router.rs` (plus a verb on the core if it changes state); a new piece of state
//! (subscriptions, deliveries) is a field of `MockService` with its verbs, which `reset`
//! covers; a new admin operation is a verb on the core with a `/_mock/…` path in
//! `http/router.rs`, its answer in `http/admin*.rs`, its OpenAPI part in `http/openapi/` and a
//! `MockServer` method over it; a production rule is a pure function in `domain` with a test
//! named after it. Two route types on purpose: the router's private `Endpoint` carries what a
//! handler needs (an org, an app, a rule id); the public [`Route`] only names the endpoint
//! for the journal and for fault rules, which select them with a [`RouteFilter`].

#[doc(hidden)]
pub mod bench_support;
mod cli;
mod domain;
#[doc(hidden)]
pub mod fuzz_support;
mod http;
mod mock_server;
mod service;

pub use domain::auth::{AuthMode, Grant, GrantError, ResourceAccess};
pub use domain::event::{AppEventRequest, Event, EventError, InvalidEvent, PublishRejection};
pub use domain::faults::{
    Action, FaultRecord, FaultRule, FaultRuleError, FaultRuleErrorKind, FaultStatus, Trigger,
};
pub use domain::fixtures::{FixtureError, FixtureErrorKind, FixtureLocation};
pub use domain::generate::{Environment, GeneratorError, GeneratorOptions};
pub use domain::push::authorize::SubscriptionAuthz;
pub use domain::push::checks::WebhookHttp;
pub use domain::push::schedule::DeliveryKind;
pub use domain::route::{Route, RouteFilter};
pub use domain::store::{Party, Registration, StoredEvent};
pub use domain::units::Rate;
pub use mock_server::{FaultGuard, MockServer, MockServerBuilder, WaitTimeout};
pub use service::{
    Delivery, DeliveryState, JournalEntry, LiveError, LiveStatus, StartError, Subscription,
    SubscriptionRejected, SubscriptionValidation,
};

/// Runs the `altinn-events-mock` command line on this process's arguments; `main` returns
/// its exit code.
#[doc(hidden)]
pub fn run_cli() -> std::process::ExitCode {
    cli::main()
}

/// The README's and the docs' Rust examples, compiled and run as doc tests so they cannot go
/// stale.
#[cfg(doctest)]
mod docs_examples {
    #[doc = include_str!("../README.md")]
    struct Readme;
    #[doc = include_str!("../docs/rust.md")]
    struct RustTests;
    #[doc = include_str!("../docs/fault-injection.md")]
    struct FaultInjection;
    #[doc = include_str!("../docs/webhooks.md")]
    struct Webhooks;
    #[doc = include_str!("../docs/party-events-api.md")]
    struct PartyEvents;
    #[doc = include_str!("../docs/generic-events-api.md")]
    struct GenericEvents;
    #[doc = include_str!("../docs/namespaces.md")]
    struct Namespaces;
}
