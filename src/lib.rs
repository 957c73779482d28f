//! An in-memory fake of the Altinn Events query API for app owners,
//! `GET /events/api/v1/app/{org}/{app}`, faithful to production down to its quirks.
//!
//! Start a server on a free port with your own events, fetch a token from it, and query it as
//! you would query `https://platform.altinn.no/events/api/v1`:
//!
//! ```
//! use altinn_events_mock::{Event, ServerConfig};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let server = ServerConfig::default().bind().await?;
//! server.store().append(
//!     vec![Event::from_json(serde_json::json!({
//!         "specversion": "1.0",
//!         "id": "cf7577ad-7ae6-498f-bc48-0704bd895b41",
//!         "type": "app.instance.created",
//!         "source": "https://ttd.apps.at22.altinn.cloud/ttd/apps-test/instances/50019855/f21e491f-f862-4776-b81f-725657ef0a18",
//!         "subject": "/party/50019855",
//!         "time": "2023-02-16T18:02:11.0276259Z",
//!     }))?],
//!     altinn_events_mock::Registration::BeforeStart,
//! );
//! let server = server.spawn();
//! assert!(server.url().starts_with("http://127.0.0.1:"));
//! server.shutdown().await;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```
//!
//! The contract and every production quirk reproduced are listed in the README. To see how a
//! consumer copes when things go wrong, add [fault rules](faults) — a 503 in the middle of a
//! traversal, a reset connection, a page without `next` — with [`MockServer::fault`], the
//! builder, `--fault`, `/_mock/faults` or the `x-mock-fault` header.

pub mod auth;
pub mod cli;
mod clock;
mod config;
pub mod event;
pub mod faults;
pub mod fixtures;
pub mod generate;
pub mod http;
pub mod identity;
pub mod journal;
mod json;
mod mock_server;
pub mod query;
pub mod store;
pub mod units;

pub use clock::Clock;
pub use config::{DEFAULT_MAX_BODY, ServerConfig, StartError};
pub use event::{Event, EventError};
pub use faults::FaultRule;
pub use http::{RunningServer, ServerHandle};
pub use mock_server::{FaultGuard, InvalidEvent, MockServer, MockServerBuilder, WaitTimeout};
pub use store::{EventStore, Registration};

/// The README's Rust examples, compiled and run as doc tests so they cannot go stale.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
