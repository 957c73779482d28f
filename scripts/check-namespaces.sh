#!/usr/bin/env bash
# Runs the walk-through of docs/namespaces.md as written: its marked blocks, in order, in one
# shell, against a fresh server; fails if any block fails its own check.
#
#   scripts/check-namespaces.sh                 # builds the release binary and starts it
#   scripts/check-namespaces.sh --dev           # the same with the debug build (what CI does)
#   scripts/check-namespaces.sh path/to/binary  # or starts this binary
#
# Needs bash, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/server.sh
. scripts/lib/walkthrough.sh
run_walkthrough docs/namespaces.md namespaces
