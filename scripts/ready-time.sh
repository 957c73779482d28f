#!/usr/bin/env bash
# How long the release binary takes from launch to its first answered request, with the
# arguments given (default: --generate 1000000). Prints the seconds and the memory it holds.
# Usage: scripts/ready-time.sh [ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/binary.sh
bin=$(binary release)
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--generate 1000000)
out=$(mktemp)
start=$(date +%s.%N)
"$bin" --port 0 "${args[@]}" >"$out" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$out"' EXIT
until grep -q '^listening on' "$out"; do sleep 0.01; done
url=$(sed -n 's/^listening on //p' "$out")
curl -fsS "$url/_mock/health" >/dev/null
end=$(date +%s.%N)
echo "ready after $(echo "$end - $start" | bc) s with ${args[*]}; $(curl -fsS "$url/_mock/health")"
echo "resident memory: $(( $(awk '/VmRSS/ {print $2}' /proc/$server/status) / 1024 )) MiB"
