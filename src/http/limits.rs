//! How long and how many: the connection-level limits that keep one client from holding
//! what others need — Kestrel's timeouts and minimum data rate, and a cap on concurrent
//! connections kept below the process's file-descriptor limit.

use std::time::{Duration, Instant};

/// The limits every connection is held to. The defaults are Kestrel's, production's web
/// server, except the connection cap, which Kestrel leaves unlimited: here it follows the
/// file-descriptor limit so that a flood is refused cleanly instead of exhausting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ConnectionLimits {
    /// Connections served at once; `None`: the file-descriptor limit less a reserve.
    pub(crate) max_connections: Option<usize>,
    /// How long a connection may wait for its next request (Kestrel's `KeepAliveTimeout`).
    pub(crate) keep_alive_timeout: Duration,
    /// How long a request's head may take from its first byte (Kestrel's
    /// `RequestHeadersTimeout`).
    pub(crate) header_timeout: Duration,
    /// The slowest a request body may arrive, and a response be taken by the client.
    pub(crate) min_data_rate: MinDataRate,
}

/// Kestrel's `MinRequestBodyDataRate` (and `MinResponseDataRate`): after a grace period, data
/// must flow at least this fast, or the request times out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MinDataRate {
    /// Bytes per second; 0 turns the check off.
    pub(crate) bytes_per_second: u64,
    /// How long before the rate is first checked.
    pub(crate) grace: Duration,
}

/// Kestrel's `KeepAliveTimeout`.
pub(crate) const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(130);
/// Kestrel's `RequestHeadersTimeout`.
pub(crate) const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// Kestrel's `MinRequestBodyDataRate`: 240 bytes/s after 5 s.
pub(crate) const DEFAULT_MIN_DATA_RATE: MinDataRate = MinDataRate {
    bytes_per_second: 240,
    grace: Duration::from_secs(5),
};

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits {
            max_connections: None,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            min_data_rate: DEFAULT_MIN_DATA_RATE,
        }
    }
}

impl MinDataRate {
    /// When `received` bytes, read since `started`, fall below the rate if no more come.
    /// `None` when the check is off.
    pub(crate) fn deadline(&self, started: Instant, received: u64) -> Option<Instant> {
        if self.bytes_per_second == 0 {
            return None;
        }
        let earned = Duration::from_secs_f64(received as f64 / self.bytes_per_second as f64);
        started.checked_add(earned.max(self.grace))
    }
}

impl ConnectionLimits {
    /// The cap in force: the one asked for, but never more than the descriptor limit allows.
    pub(crate) fn connection_cap(&self) -> usize {
        let allowed = descriptor_limit().map_or(usize::MAX, connections_within);
        self.max_connections.unwrap_or(allowed).min(allowed).max(1)
    }
}

/// Connections a process with `limit` descriptors may serve: a reserve stays for everything
/// else it opens (the listener, the runtime, fixtures, refusals being written).
pub(crate) fn connections_within(limit: u64) -> usize {
    let reserve = (limit / 16).max(128);
    usize::try_from(limit.saturating_sub(reserve))
        .unwrap_or(usize::MAX)
        .max(1)
}

/// The process's soft limit on open file descriptors, where the platform has one.
pub(crate) fn descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        rlimit::get().map(|(soft, _)| soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The worker threads a server takes unless told otherwise: one less than the CPUs this
/// process may run on, at least one. The client under test usually shares the machine;
/// measured with the load generator on the same two cores (BENCHMARKS.md), one worker served
/// 10–25 % more requests than two, bare hyper's as much as ours.
pub(crate) fn default_workers() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |cpus| cpus.get() - 1)
        .max(1)
}

/// Raises the soft file-descriptor limit to the hard one, as servers do at start (the soft
/// limit is often 1024 while the hard one is far higher); returns the limit now in force.
pub(crate) fn raise_descriptor_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let (soft, hard) = rlimit::get()?;
        if soft < hard && rlimit::set(hard, hard) {
            return Some(hard);
        }
        Some(soft)
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// `getrlimit`/`setrlimit(RLIMIT_NOFILE)`: the one place this crate calls libc, since the
/// standard library offers no way to read or raise the limit.
#[cfg(unix)]
mod rlimit {
    /// `(soft, hard)`; `RLIM_INFINITY` reads as `u64::MAX`.
    #[allow(
        clippy::unnecessary_cast,
        reason = "rlim_t is u64 on Linux and macOS, not on every unix"
    )]
    pub(super) fn get() -> Option<(u64, u64)> {
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: `limit` is a valid, writable `rlimit` for the call's duration.
        let status = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
        (status == 0).then_some((limit.rlim_cur as u64, limit.rlim_max as u64))
    }

    /// Sets both limits; `false` when refused.
    #[allow(
        clippy::unnecessary_cast,
        reason = "rlim_t is u64 on Linux and macOS, not on every unix"
    )]
    pub(super) fn set(soft: u64, hard: u64) -> bool {
        let limit = libc::rlimit {
            rlim_cur: soft as libc::rlim_t,
            rlim_max: hard as libc::rlim_t,
        };
        // SAFETY: `limit` is a valid `rlimit` the call only reads.
        unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) == 0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cap_keeps_a_reserve_of_descriptors() {
        assert_eq!(connections_within(20_000), 20_000 - 1_250);
        assert_eq!(connections_within(1_024), 1_024 - 128);
        assert_eq!(connections_within(256), 128);
        assert_eq!(connections_within(64), 1);
    }

    #[test]
    fn an_explicit_cap_never_passes_the_descriptor_limit() {
        let asked = ConnectionLimits {
            max_connections: Some(usize::MAX),
            ..ConnectionLimits::default()
        };
        let limit = descriptor_limit().expect("unix");
        assert_eq!(asked.connection_cap(), connections_within(limit));
        let small = ConnectionLimits {
            max_connections: Some(3),
            ..ConnectionLimits::default()
        };
        assert_eq!(small.connection_cap(), 3);
    }

    #[test]
    fn the_body_deadline_moves_with_the_bytes_received_after_the_grace() {
        let start = Instant::now();
        let rate = DEFAULT_MIN_DATA_RATE;
        assert_eq!(
            rate.deadline(start, 0),
            Some(start + Duration::from_secs(5))
        );
        assert_eq!(
            rate.deadline(start, 240),
            Some(start + Duration::from_secs(5))
        );
        assert_eq!(
            rate.deadline(start, 2_400),
            Some(start + Duration::from_secs(10))
        );
        let off = MinDataRate {
            bytes_per_second: 0,
            ..rate
        };
        assert_eq!(off.deadline(start, 0), None);
    }
}
