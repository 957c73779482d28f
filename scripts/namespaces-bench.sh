#!/usr/bin/env bash
# The cost of namespaces (docs/namespaces.md): the release binary's resident memory before and
# after N empty namespaces (default 1 000) made with POST /_mock/namespaces, the time each
# creation takes (median, 99th percentile, all of them), then the same for namespaces made
# with 1 000 generated events each, the time to delete them all, and with wrk (when
# present) pages of 50 from a namespace next to the same pages from the default namespace,
# in three interleaved rounds, which shows what the /ns/{name} routing costs. Loopback only; needs python3 (standard
# library) and curl.
#
# Usage: scripts/namespaces-bench.sh [N] [SECONDS]     (defaults: 1000 namespaces, 5 s of wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-1000}"
seconds="${2:-5}"

. scripts/lib/binary.sh
bin=$(binary release)
out=$(mktemp)
"$bin" --port 0 --max-namespaces "$((count + 10))" >"$out" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 200); do grep -q '^listening on' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$out")

python3 - "$url" "$server" "$count" <<'PY'
import http.client, json, statistics, sys, time
from urllib.parse import urlsplit
url, pid, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host, port = urlsplit(url).hostname, urlsplit(url).port
connection = http.client.HTTPConnection(host, port, timeout=120)

def rss_kib():
    with open(f"/proc/{pid}/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:"))

def call(method, path, body=None):
    headers = {"content-type": "application/json"} if body is not None else {}
    started = time.perf_counter()
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    answer = response.read()
    return response.status, answer, time.perf_counter() - started

def create_many(prefix, body):
    took = []
    for i in range(n):
        status, answer, seconds = call("POST", "/_mock/namespaces", dict(body, name=f"{prefix}{i}"))
        assert status == 201, answer
        took.append(seconds * 1000)
    took.sort()
    return took

def summary(took):
    return (f"median {statistics.median(took):.2f} ms, p99 {took[int(len(took) * 0.99) - 1]:.2f} ms, "
            f"all {sum(took) / 1000:.2f} s")

call("GET", "/_mock/health")
start = rss_kib()
empty = create_many("empty-", {})
after_empty = rss_kib()
status, answer, listed = call("GET", "/_mock/namespaces")
print(f"{n} empty namespaces: creation {summary(empty)}; resident memory {start / 1024:.1f} MiB -> "
      f"{after_empty / 1024:.1f} MiB, {(after_empty - start) / n:.1f} KiB per namespace; "
      f"GET /_mock/namespaces {listed * 1000:.1f} ms ({len(answer) / 1024:.0f} KiB)")
status, _, deleted = call("DELETE", "/_mock/namespaces")
assert status == 204
time.sleep(0.5)
print(f"DELETE /_mock/namespaces of {n}: {deleted * 1000:.1f} ms; resident memory after {rss_kib() / 1024:.1f} MiB")

loaded_n = min(n, 100)
n = loaded_n
filled = create_many("filled-", {"generate": 1000})
after_filled = rss_kib()
print(f"{n} namespaces with 1 000 generated events each: creation {summary(filled)}; "
      f"resident memory {after_filled / 1024:.1f} MiB")
# The demo data again, in a namespace: the same pages as the default namespace serves.
with open("fixtures/demo.json") as demo:
    status, answer, _ = call("POST", "/_mock/namespaces", {"name": "paged", "fixtures": json.load(demo)})
assert status == 201, answer
PY

# Interleaved rounds, so that drift on a shared machine hits both alike.
if command -v wrk >/dev/null; then
  token=$(curl -fsS "$url/_mock/token?org=ttd")
  for round in 1 2 3; do
    for base in "$url" "$url/ns/paged"; do
      result=$(wrk -t2 -c32 -d"${seconds}s" --latency -H "Authorization: Bearer $token" \
        "$base/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=50")
      echo "round $round, pages of 50 from $base: $(echo "$result" | awk '/Requests\/sec/ {print $2}') requests/s," \
        "p50 $(echo "$result" | awk '$1 == "50%" {print $2}')"
    done
  done
fi
