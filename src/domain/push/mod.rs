//! The push face's rules (spec `subscriptions-and-webhooks.md`), as pure code:
//!
//! * `uri` — .NET's `Uri` as subscriptions meet it: binding, `AbsoluteUri`, `IsBaseOf`;
//! * `request` — binding the `POST /subscriptions` body;
//! * `identity` — the caller's entity and scope, from token claims;
//! * `checks` — production's check order for a new subscription, one refusal per answer;
//! * `authorize` — the stand-in for the policy decision point, and grants;
//! * `subscription` — the stored model, normalisation, de-duplication, its JSON;
//! * `matching` — which subscriptions an event goes to;
//! * `schedule` — the retry schedules as data;
//! * `webhook` — the request bytes: the handshake event, the Slack envelope, headers.

pub(crate) mod authorize;
pub(crate) mod checks;
pub(crate) mod identity;
pub(crate) mod matching;
pub(crate) mod request;
pub(crate) mod schedule;
pub(crate) mod subscription;
pub(crate) mod uri;
pub(crate) mod webhook;
