#!/usr/bin/env bash
# cargo fuzz on one target of fuzz/ (query_string: the query-string binder and the query's
# checks; fixtures: the fixture loader) for SECONDS (default 60), starting from the seeds in
# fuzz/seeds/TARGET. Needs nightly Rust (rustup toolchain install nightly); installs
# cargo-fuzz from crates.io when it is missing. A crash leaves its input in
# fuzz/artifacts/TARGET and fails the run.
#
# Usage: scripts/fuzz.sh TARGET [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
target="${1:?usage: scripts/fuzz.sh query_string|fixtures [SECONDS]}"
seconds="${2:-60}"
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz…" >&2
  cargo install --locked cargo-fuzz
fi
mkdir -p "corpus/$target"
cargo +nightly fuzz run "$target" "corpus/$target" "seeds/$target" -- \
  -max_total_time="$seconds" -print_final_stats=1
