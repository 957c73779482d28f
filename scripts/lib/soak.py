"""The soak's clients, run by scripts/soak.sh against a server on loopback: pollers following
`next`, publishers, a chaos client with random fault headers, and slow clients, for a fixed
time. Prints the figures and exits 1 unless every poller saw every published event exactly
once and no request failed without an injected fault to explain it.

Usage: python3 soak.py URL PID SECONDS
"""
import http.client
import json
import random
import socket
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

URL, PID, SECONDS = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
HOST, PORT = urlsplit(URL).hostname, urlsplit(URL).port
APP_PATH = "/events/api/v1/app/ttd/soak"
stop = threading.Event()
lock = threading.Lock()
errors = []          # (who, what) for every uninjected error
counts = {}          # kind -> requests


def count(kind):
    with lock:
        counts[kind] = counts.get(kind, 0) + 1


def uninjected(who, what):
    with lock:
        errors.append((who, what))
        if len(errors) <= 20:
            print(f"uninjected error: {who}: {what}", file=sys.stderr, flush=True)


def request(method, path, headers=None, body=None, timeout=30):
    """(status, headers, body bytes) or raises."""
    connection = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def rss_kib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


TOKEN = request("GET", "/_mock/token?org=ttd")[2].decode()
ACCESS = request("GET", "/_mock/token?app=ttd/soak")[2].decode()

published = {}       # id -> publisher
published_lock = threading.Lock()

# Faults a poller may inject into its own requests: each either fails the request visibly
# (and the poller retries the same URL) or changes nothing it reads.
POLLER_FAULTS = ["what=status:503,retry_after=0", "what=delay:5ms..50ms", "what=reset",
                 "what=close_after_headers", "what=truncate:10", "what=malformed",
                 "what=slow_body:20ms"]


def poller(name, size, seen):
    url = f"{APP_PATH}?after=0&size={size}"
    rng = random.Random(name)
    draining_since = None
    while True:
        if stop.is_set():
            with published_lock:
                missing = len(published) - len(set(seen))
            if missing <= 0:
                return
            draining_since = draining_since or time.monotonic()
            if time.monotonic() - draining_since > 60:
                return
        fault = rng.choice(POLLER_FAULTS) if rng.random() < 0.05 else None
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if fault:
            headers["x-mock-fault"] = fault
        count("query")
        try:
            status, response_headers, body = request("GET", url, headers)
            page = json.loads(body) if status == 200 else None
        except Exception as error:  # a reset, a truncated body, malformed JSON
            if not fault:
                uninjected(name, f"{url}: {error!r}")
            continue
        if status != 200:
            if not (fault and fault.startswith("what=status:")):
                uninjected(name, f"{url}: {status} {body[:200]!r}")
            continue
        for event in page:
            seen.append(event["id"])
        if "next" in response_headers:
            url = response_headers["next"].split(f"{HOST}:{PORT}", 1)[-1]
        elif not page:
            time.sleep(0.05)


def soak_event(event_id):
    return {"specversion": "1.0", "id": event_id, "type": "app.instance.created",
            "source": f"https://ttd.apps.tt02.altinn.no/ttd/soak/instances/1337/{uuid.uuid4()}",
            "subject": "/party/1337", "time": "2026-01-01T00:00:00Z"}


PUBLISH_FAULTS = ["what=status:503", "what=delay:5ms..30ms", "what=reset"]


def publisher(name, via_app, rate):
    rng = random.Random(name)
    while not stop.is_set():
        fault = rng.choice(PUBLISH_FAULTS) if rng.random() < 0.1 else None
        headers = {"Content-Type": "application/json"}
        if fault:
            headers["x-mock-fault"] = fault
        if via_app:
            event = soak_event("")
            del event["id"], event["time"]
            headers["Authorization"] = f"Bearer {TOKEN}"
            headers["PlatformAccessToken"] = ACCESS
            path, expected = "/events/api/v1/app", 201
        else:
            event = soak_event(f"{name}-{uuid.uuid4()}")
            path, expected = "/_mock/events", 200
        count("publish")
        try:
            status, _, body = request("POST", path, headers, json.dumps(event))
        except Exception as error:
            if fault != "what=reset":
                uninjected(name, f"{path}: {error!r}")
            continue
        if status == expected:
            event_id = json.loads(body) if via_app else event["id"]
            with published_lock:
                published[event_id] = name
        elif not (fault == "what=status:503" and status == 503):
            uninjected(name, f"{path}: {status} {body[:200]!r}")
        time.sleep(1 / rate)


CHAOS_FAULTS = POLLER_FAULTS + ["what=drop_next", "what=stale_next:2", "what=empty_page",
                                "what=status:500", "what=status:429", "what=delay:11m", "nonsense"]
CHAOS_QUERIES = ["after=0", "after=x&size=3", "from=2020-01-01Z&size=5", "size=0", "after=0&type=app.%25",
                 "after=%00", "from=2020-01-01", "after=0&party=1337", "after=0&unit=12"]


def chaos(name):
    rng = random.Random(name)
    while not stop.is_set():
        fault = rng.choice(CHAOS_FAULTS) if rng.random() < 0.5 else None
        headers = {"Authorization": f"Bearer {TOKEN}"}
        if fault:
            headers["x-mock-fault"] = fault
        path = f"{APP_PATH}?{rng.choice(CHAOS_QUERIES)}"
        count("chaos")
        try:
            status, _, body = request("GET", path, headers)
        except Exception as error:
            if fault not in ("what=reset", "what=close_after_headers", "what=truncate:10"):
                uninjected(name, f"{path} {fault}: {error!r}")
            continue
        injected = fault and fault.startswith(f"what=status:{status}")
        shaped_500 = status == 500 and b"An error occurred while processing your request." in body
        if status >= 500 and not (injected or shaped_500):
            uninjected(name, f"{path} {fault}: {status} {body[:200]!r}")


def slow_clients(name):
    """Misbehaving clients in turn: a slow but steady body, a body that never finishes, an
    idle connection, a reader that stops reading. None of them may disturb the others."""
    rng = random.Random(name)
    while not stop.is_set():
        kind = rng.choice(["steady", "unfinished", "idle", "stalled_reader"])
        count(f"slow:{kind}")
        try:
            with socket.create_connection((HOST, PORT), timeout=30) as s:
                if kind == "steady":
                    body = json.dumps([soak_event(f"{name}-slow-{uuid.uuid4()}")]).encode()
                    s.sendall(f"POST /_mock/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                              f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode())
                    for i in range(0, len(body), 64):
                        s.sendall(body[i:i + 64])
                        time.sleep(0.05)
                    answer = s.makefile("rb").read()
                    if not answer.startswith(b"HTTP/1.1 200 "):
                        uninjected(name, f"steady body: {answer[:100]!r}")
                    else:
                        with published_lock:
                            published[json.loads(body)[0]["id"]] = name
                elif kind == "unfinished":
                    s.sendall(b"POST /_mock/events HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n[")
                    answer = s.makefile("rb").read()
                    if not answer.startswith(b"HTTP/1.1 408 "):
                        uninjected(name, f"unfinished body: {answer[:100]!r}")
                elif kind == "idle":
                    time.sleep(rng.uniform(1, 10))
                else:
                    s.sendall(b"GET /_mock/openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
                    s.recv(100)
                    time.sleep(rng.uniform(1, 5))
        except Exception as error:
            uninjected(name, f"{kind}: {error!r}")


def main():
    rss = {"start": rss_kib()}
    pollers = {f"poller-{i}": [] for i in range(4)}
    threads = [threading.Thread(target=poller, args=(name, [1, 7, 50, 1000][i], seen))
               for i, (name, seen) in enumerate(pollers.items())]
    threads += [threading.Thread(target=publisher, args=(f"publisher-{i}", i < 2, 25)) for i in range(4)]
    threads += [threading.Thread(target=chaos, args=(f"chaos-{i}",)) for i in range(2)]
    threads += [threading.Thread(target=slow_clients, args=(f"slow-{i}",)) for i in range(2)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(SECONDS / 2)
    rss["middle"] = rss_kib()
    time.sleep(SECONDS / 2)
    stop.set()
    for thread in threads:
        thread.join()
    rss["end"] = rss_kib()
    took = time.monotonic() - started
    total = len(published)
    print(f"soak: {SECONDS:.0f} s of load, {took:.0f} s with the drain; requests: {sum(counts.values())} {dict(sorted(counts.items()))}")
    print(f"published events: {total}")
    failed = bool(errors)
    for name, seen in pollers.items():
        distinct = set(seen)
        lost = len(set(published) - distinct)
        duplicated = len(seen) - len(distinct)
        unknown = len(distinct - set(published))
        print(f"{name}: saw {len(distinct)}, lost {lost}, duplicated {duplicated}, not published {unknown}")
        failed |= bool(lost or duplicated or unknown)
    print(f"uninjected errors: {len(errors)}")
    print(f"resident memory: start {rss['start'] // 1024} MiB, middle {rss['middle'] // 1024} MiB, end {rss['end'] // 1024} MiB")
    sys.exit(1 if failed else 0)


main()
