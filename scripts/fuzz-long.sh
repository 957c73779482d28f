#!/usr/bin/env bash
# The long property run: a million (or CASES) random requests through one server on loopback
# (tests/random_requests.rs, the #[ignore]d test), each answer checked against what production
# or an injected fault could give. Prints the counts; any unexplained answer fails the run.
#
# Usage: scripts/fuzz-long.sh [CASES]      (default 1000000; about 3 minutes on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-1000000}"
RANDOM_REQUESTS="$cases" cargo test --release --quiet --test random_requests -- \
  --ignored --nocapture a_million_random_requests
