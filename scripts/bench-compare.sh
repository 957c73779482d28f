#!/usr/bin/env bash
# Side by side, in one run: the same wrk load against (a) a bare hyper server, the limit of
# this stack on this machine, (b) wiremock-rs serving the same bytes as a static stub, and
# (c) altinn-events-mock with its default configuration (strict auth, journal and logging on),
# the servers interleaved over the rounds so that drift on a shared machine hits all of them.
# (a) and (b) answer with exactly the bytes and headers (c) answered for the same URL, fetched
# from it first. Prints req/s, p50, p99 and resident memory per server and round, the medians,
# and the ratios ours/bare hyper and ours/wiremock-rs.
#
# With --generate N: altinn-events-mock with N generated events and with 10 000, for every
# query shape of BENCHMARKS.md (no filter, party, unit, person, type exact and with %, a type
# and a party that match nothing, from after the last event, to before the first, after deep
# in the store, size 1 and 1000), next to bare hyper serving the large store's bytes for it;
# and the time to the first answer and the resident memory with N events.
#
# Needs wrk (installed from Debian's packages when missing, as root), curl and python3.
# Takes minutes; never part of CI. The machine's load average is printed with the figures.
#
# The servers take their defaults, bare hyper as many worker threads as ours
# (ALTINN_EVENTS_MOCK_WORKERS, or one less than the CPUs). The environment reaches ours, so
# ALTINN_EVENTS_MOCK_PAGE_CACHE=0 measures every request running its query, and
# ALTINN_EVENTS_MOCK_WORKERS=N another worker count for both. With --generate, ours keeps no
# pages (--page-cache 0): that mode measures what each query shape costs.
#
# Usage: scripts/bench-compare.sh [--rounds N] [--seconds S] [--connections C] [--generate N]
#        (defaults: 3 rounds, 10 s per run, 32 connections; --generate: 5 s per run)
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/debian.sh
need wrk

. scripts/lib/binary.sh
ours=$(binary release)
bare=$(example_binary release bare_hyper)
wiremock=$(example_binary release wiremock_stub)
exec python3 scripts/lib/bench_compare.py --ours "$ours" --bare "$bare" --wiremock "$wiremock" "$@"
