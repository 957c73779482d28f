//! The caps that keep a shared server alive, and the idle TTL: how many namespaces, how many
//! events in each, how long one made over HTTP may go without a request.

use std::time::Duration;

/// The caps and the idle TTL (`--max-namespaces`, `--namespace-max-events`,
/// `--namespace-ttl`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NamespaceLimits {
    /// The most namespaces at once (the default one not counted).
    pub(crate) max: usize,
    /// The most events one namespace may hold.
    pub(crate) max_events: usize,
    /// How long a namespace made over HTTP may go without a request; `None`: forever.
    pub(crate) idle_ttl: Option<Duration>,
}

/// Default `max`: a thousand namespaces, a few megabytes when empty (BENCHMARKS.md).
pub(crate) const DEFAULT_MAX_NAMESPACES: usize = 1000;
/// Default `max_events`: enough for any functional test, about 110 MiB at most per namespace.
pub(crate) const DEFAULT_NAMESPACE_MAX_EVENTS: usize = 100_000;
/// Default `idle_ttl`: an hour without a request.
pub(crate) const DEFAULT_NAMESPACE_TTL: Duration = Duration::from_secs(3600);

impl Default for NamespaceLimits {
    fn default() -> NamespaceLimits {
        NamespaceLimits {
            max: DEFAULT_MAX_NAMESPACES,
            max_events: DEFAULT_NAMESPACE_MAX_EVENTS,
            idle_ttl: Some(DEFAULT_NAMESPACE_TTL),
        }
    }
}
