//! The idle sweeper: a task on the server's runtime that removes namespaces made over HTTP
//! once they went a TTL without a request. Real time, not the server clock: moving a
//! namespace's clock a day forward must not expire anything.

use std::sync::Weak;
use std::time::Duration;

use tokio::task::AbortHandle;

use super::Namespaces;

/// Sweeps at a quarter of the TTL (between 10 ms and a minute), so a namespace outlives its
/// TTL by at most a quarter of it.
fn period(ttl: Duration) -> Duration {
    (ttl / 4).clamp(Duration::from_millis(10), Duration::from_secs(60))
}

/// Starts sweeping `namespaces` on the current runtime; stops when they are gone.
pub(super) fn spawn(namespaces: Weak<Namespaces>, ttl: Duration) -> AbortHandle {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period(ttl));
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(namespaces) = namespaces.upgrade() else {
                return;
            };
            namespaces.remove_idle(ttl);
        }
    })
    .abort_handle()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sweeps_at_a_quarter_of_the_ttl_within_bounds() {
        assert_eq!(period(Duration::from_secs(3600)), Duration::from_secs(60));
        assert_eq!(period(Duration::from_secs(60)), Duration::from_secs(15));
        assert_eq!(period(Duration::from_millis(1)), Duration::from_millis(10));
    }
}
