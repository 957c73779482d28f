#!/usr/bin/env bash
# The journal's memory, as finding 3 of issue 12 measured it: the release binary's resident
# memory at start, after N requests each with a 31 KiB header (default 10 000), the size of
# GET /_mock/requests, and the memory after DELETE /_mock/requests. Loopback only; needs
# python3 (standard library).
#
# Usage: scripts/journal-memory.sh [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/.."
requests="${1:-10000}"

. scripts/lib/binary.sh
bin=$(binary release)
out=$(mktemp)
"$bin" --port 0 >"$out" 2>/dev/null &
server=$!
trap 'kill "$server" 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 200); do grep -q '^listening on' "$out" && break; sleep 0.05; done
url=$(sed -n 's/^listening on //p' "$out")
python3 - "$url" "$server" "$requests" <<'PY'
import http.client, sys, time
from urllib.parse import urlsplit
url, pid, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host, port = urlsplit(url).hostname, urlsplit(url).port

def rss():
    with open(f"/proc/{pid}/status") as status:
        return next(int(l.split()[1]) // 1024 for l in status if l.startswith("VmRSS:"))

def call(method, path, headers=None):
    c = http.client.HTTPConnection(host, port, timeout=60)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body

start = rss()
big = "a" * (31 * 1024)
c = http.client.HTTPConnection(host, port, timeout=60)
for i in range(n):
    c.request("GET", f"/nowhere/{i}", headers={"x-big": big})
    c.getresponse().read()
c.close()
loaded = rss()
status, body = call("GET", "/_mock/requests")
listed = rss()
call("DELETE", "/_mock/requests")
time.sleep(1)
cleared = rss()
print(f"journal memory: start {start} MiB; after {n} requests with a 31 KiB header {loaded} MiB; "
      f"GET /_mock/requests {len(body) / 2**20:.1f} MiB ({status}), {listed} MiB after it; "
      f"after DELETE /_mock/requests {cleared} MiB")
PY
