#!/usr/bin/env bash
# Instructions the release binary executes per page request, counted by valgrind's callgrind:
# a measure of the server's own (user-space) work that does not drift with the machine's load,
# unlike req/s. Runs the binary twice under callgrind with the demo data, sends 200 and then
# 1 200 pages of 50 (`?from=2020-01-01Z&size=50`, strict auth) over one keep-alive connection,
# and prints the difference divided by 1 000, so start-up is not counted. With --bare, does the
# same for examples/bare_hyper.rs serving the same bytes (the floor of this stack).
#
# Needs valgrind (installed from Debian's packages when missing, as root), curl and python3.
# Takes about a minute; never part of CI. Extra arguments go to altinn-events-mock.
# Usage: scripts/instructions-per-request.sh [--bare] [SERVER ARGS...]
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/debian.sh
need valgrind

. scripts/lib/binary.sh
bare=false
if [ "${1:-}" = "--bare" ]; then bare=true; shift; fi
ours=$(binary release)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
query="/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=50"

# Sends COUNT pages on one connection: python3 http.client keeps it alive.
send() { # PORT TOKEN COUNT
  python3 - "$@" <<'PY'
import http.client, sys
port, token, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    connection.request("GET", "/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=50",
                       headers={"Authorization": "Bearer " + token})
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
PY
}

# Runs one server under callgrind, sends COUNT pages, prints the instructions counted.
count_instructions() { # COUNT
  local count=$1 out="$work/callgrind.$1" log="$work/stdout.$1"
  if $bare; then
    # The same bytes and headers our server answers, fetched from it first.
    "$ours" --port 0 "${server_args[@]}" >"$work/ours.out" 2>/dev/null &
    local ours_pid=$!
    until grep -q '^listening on' "$work/ours.out"; do sleep 0.05; done
    local url token
    url=$(sed -n 's/^listening on //p' "$work/ours.out")
    token=$(curl -fsS "$url/_mock/token?org=ttd")
    curl -fsS -D "$work/head" -o "$work/body" -H "Authorization: Bearer $token" "$url$query"
    kill "$ours_pid"; wait "$ours_pid" 2>/dev/null || true
    mapfile -t headers < <(grep -i '^\(content-type\|next\):' "$work/head" | tr -d '\r')
    valgrind --tool=callgrind --callgrind-out-file="$out" \
      "$(example_binary release bare_hyper)" "$work/body" "${headers[@]}" >"$log" 2>/dev/null &
  else
    valgrind --tool=callgrind --callgrind-out-file="$out" \
      "$ours" --port 0 "${server_args[@]}" >"$log" 2>/dev/null &
  fi
  local pid=$!
  until grep -q '^listening on' "$log" 2>/dev/null; do sleep 0.1; done
  local url port token
  url=$(sed -n 's/^listening on //p' "$log")
  port=${url##*:}
  token=$($bare && echo none || curl -fsS "$url/_mock/token?org=ttd")
  send "$port" "$token" "$count"
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  awk '/^(summary|totals):/ {print $2; exit}' "$out"
}

server_args=("$@")
few=$(count_instructions 200)
many=$(count_instructions 1200)
echo "$( $bare && echo "bare hyper" || echo "altinn-events-mock ${server_args[*]}"): $(( (many - few) / 1000 )) instructions per page of 50"
