#!/usr/bin/env bash
# HTTP load test of the query endpoint on loopback: the release binary with the demo data,
# a token from /_mock/token, and wrk asking for pages of 50 for a fixed time.
#
# Needs wrk; installs it from Debian's packages when missing (apt-get, as root).
# Usage: scripts/load.sh [SECONDS] [CONNECTIONS]      (defaults: 10 s, 32 connections)
set -euo pipefail
cd "$(dirname "$0")/.."
duration="${1:-10}"
connections="${2:-32}"

. scripts/lib/debian.sh
need wrk

. scripts/lib/binary.sh
bin=$(binary release)
out=$(mktemp)
"$bin" --port 0 --log-format json >"$out" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q '^listening on' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$out")
token=$(curl -fsS "$url/_mock/token?org=ttd")

echo "== page of 50 from the start (demo data), ${duration}s, ${connections} connections"
wrk -t2 -c"$connections" -d"${duration}s" --latency -H "Authorization: Bearer $token" \
  "$url/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=50"

echo "== 401 without a token (the cheapest answer)"
wrk -t2 -c"$connections" -d"${duration}s" --latency "$url/events/api/v1/app/ttd/apps-test?after=x"
