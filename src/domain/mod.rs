//! The domain: production's rules as pure code. No I/O on a request's path, no locks, no
//! async, no clock of its own (time comes in as a value). Each module is one concept:
//!
//! * `event` — one CloudEvent: validation, normalisation, rendering once in production's form;
//! * `query` — a query's binding, production's checks in order, selection, the `next` link;
//! * `store` — the ordered events, their indexes, and the party register;
//! * `auth` — token modes, who a token says is calling, minting test tokens;
//! * `faults` — fault rules, their spelling, and the decision which one fires;
//! * `generate` — deterministic synthetic events;
//! * `fixtures` — reading fixture files (at startup) and request bodies of events;
//! * `route` — which endpoint a request reached;
//! * `push` — subscriptions and webhooks: checks, matching, retry schedules, request bytes;
//! * `identity`, `json`, `units` — identity numbers, System.Text.Json escaping, durations,
//!   sizes and rates.
//!
//! Nothing here imports from `service`, `http`, `mock_server` or `cli`.

pub(crate) mod auth;
pub(crate) mod event;
pub(crate) mod faults;
pub(crate) mod fixtures;
pub(crate) mod generate;
pub(crate) mod identity;
pub(crate) mod json;
pub(crate) mod push;
pub(crate) mod query;
pub(crate) mod route;
pub(crate) mod store;
pub(crate) mod units;
