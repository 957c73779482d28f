#!/usr/bin/env bash
# Runs the "Testing a webhook receiver" walk-through of docs/webhooks.md as written: its marked
# blocks, in order, in one shell, against a fresh server; fails if any block fails its own
# check.
#
#   scripts/check-webhooks.sh                 # builds the release binary and starts it
#   scripts/check-webhooks.sh --dev           # the same with the debug build (what CI does)
#   scripts/check-webhooks.sh path/to/binary  # or starts this binary
#
# Needs bash, curl and python3 (the walk-through's receiver is a python3 script).
set -euo pipefail
cd "$(dirname "$0")/.."

# The walk-through starts a receiver and leaves its pid here.
on_exit() {
  if [ -f "$work/run/receiver.pid" ]; then kill "$(cat "$work/run/receiver.pid")" 2>/dev/null || true; fi
}
. scripts/lib/server.sh
. scripts/lib/walkthrough.sh
run_walkthrough docs/webhooks.md webhook
