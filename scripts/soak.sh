#!/usr/bin/env bash
# The soak: the release binary on loopback for SECONDS (default 600) under 4 pollers following
# `next` (pages of 1, 7, 50 and 1000, 5 % of their requests faulted and retried), 4 publishers
# (the app endpoint and /_mock/events, 25 events/s each, 10 % faulted), 2 chaos clients
# (random queries, half with a random fault header) and 2 slow clients (slow but steady bodies,
# bodies that never finish, idle connections, readers that stop reading). Reports the
# uninjected errors (must be 0), what each poller lost or saw twice (must be 0) and the
# resident memory at start, middle and end; exits 1 otherwise. Needs python3 (standard library).
#
# Usage: scripts/soak.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"

. scripts/lib/binary.sh
bin=$(binary release)
out=$(mktemp)
log=$(mktemp)
"$bin" --port 0 --fixtures fixtures/test/rules.json --visibility-lag 1s >"$out" 2>"$log" &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$out" "$log"' EXIT
for _ in $(seq 200); do grep -q '^listening on' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$out")
status=0
python3 scripts/lib/soak.py "$url" "$server" "$seconds" || status=$?
echo "server log lines: $(wc -l <"$log"); health: $(curl -fsS "$url/_mock/health")"
exit $status
