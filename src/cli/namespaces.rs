//! The namespaces' flags: how many a shared server holds, how many events each, and how long
//! one made over HTTP may go without a request.

use std::time::Duration;

use clap::Args;

use crate::domain::units::parse_duration;
use crate::http::{DEFAULT_MAX_NAMESPACES, DEFAULT_NAMESPACE_MAX_EVENTS};
use crate::mock_server::MockServerBuilder;

/// Flags of `POST /_mock/namespaces` (docs/namespaces.md).
#[derive(Debug, Clone, Args)]
pub(super) struct NamespaceArgs {
    /// Namespaces the server holds at once (POST /_mock/namespaces); past it a 429.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_MAX_NAMESPACES", value_name = "N", default_value_t = DEFAULT_MAX_NAMESPACES)]
    max_namespaces: usize,

    /// Events one namespace may hold; a publish or POST {baseUrl}/_mock/events past it gets a
    /// 413 (the default namespace has no cap).
    #[arg(long, env = "ALTINN_EVENTS_MOCK_NAMESPACE_MAX_EVENTS", value_name = "N", default_value_t = DEFAULT_NAMESPACE_MAX_EVENTS)]
    namespace_max_events: usize,

    /// A namespace that goes this long without a request is removed (real time, not the
    /// server clock); 0s keeps them until deleted.
    #[arg(long, env = "ALTINN_EVENTS_MOCK_NAMESPACE_TTL", default_value = "1h", value_parser = parse_duration)]
    namespace_ttl: Duration,
}

impl NamespaceArgs {
    /// `builder` with these limits.
    pub(super) fn apply(&self, builder: MockServerBuilder) -> MockServerBuilder {
        builder
            .max_namespaces(self.max_namespaces)
            .namespace_max_events(self.namespace_max_events)
            .namespace_ttl(self.namespace_ttl)
    }
}
