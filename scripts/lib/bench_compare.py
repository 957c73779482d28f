"""The side-by-side load benchmark, run by scripts/bench-compare.sh (which builds the three
servers and installs wrk). See that script for what it measures.

Usage: python3 bench_compare.py --ours BIN --bare BIN --wiremock BIN
           [--rounds N] [--seconds S] [--connections C] [--threads T] [--generate N]
"""
import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import urlsplit

APP = "/events/api/v1/app/ttd/apps-test"
PAGE_OF_50 = APP + "?from=2020-01-01Z&size=50"
SMALL_STORE = 10_000


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("--ours", required=True)
    parser.add_argument("--bare", required=True)
    parser.add_argument("--wiremock", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--generate", type=int)
    return parser.parse_args()


class Server:
    """A server process started with `listening on URL` on its stdout."""

    def __init__(self, name, command):
        self.name = name
        started = time.monotonic()
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = self.process.stdout.readline()
        if not line.startswith("listening on "):
            self.stop()
            sys.exit(f"{name} did not start: {line!r}")
        self.url = line.split()[-1]
        split = urlsplit(self.url)
        self.host, self.port = split.hostname, split.port
        # Ready: the first request answered.
        while True:
            try:
                self.get("/_mock/health")
                break
            except OSError:
                time.sleep(0.01)
        self.ready_seconds = time.monotonic() - started

    def get(self, path, headers=None):
        """(status, [(name, value)], body bytes)."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request("GET", path, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            connection.close()

    def memory_mib(self):
        """(resident now, peak resident) in MiB."""
        fields = {}
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                fields[name] = value.split()
        return int(fields["VmRSS"][0]) / 1024, int(fields["VmHWM"][0]) / 1024

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def canned(name, binary, body, headers, directory):
    """`binary` (bare hyper or the wiremock stub) serving `body` with `headers`."""
    path = os.path.join(directory, f"{name}.body")
    with open(path, "wb") as out:
        out.write(body)
    lines = [f"{k}: {v}" for k, v in headers]
    return Server(name, [binary, path, *lines])


def served_headers(headers):
    """The headers a canned server must repeat: all but those hyper writes itself."""
    return [(k.lower(), v) for k, v in headers if k.lower() not in ("date", "content-length")]


def check_same_answer(reference, server, path, request_headers):
    status, headers, body = server.get(path, request_headers)
    _, want_headers, want_body = reference
    same_headers = sorted(served_headers(headers)) == sorted(served_headers(want_headers))
    if status != 200 or body != want_body or not same_headers:
        print(f"warning: {server.name} answers differently: {status}, {len(body)} bytes, "
              f"{sorted(served_headers(headers))}", file=sys.stderr)
        return False
    return True


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(server, path, headers, args):
    """req/s, p50 ms, p99 ms, resident MiB after, non-2xx count."""
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
               "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(command + [server.url + path], capture_output=True, text=True,
                            check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    latency = {}
    for percentile in ("50", "99"):
        match = re.search(rf"^\s+{percentile}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        latency[percentile] = float(match.group(1)) * UNITS[match.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    return {
        "rate": rate,
        "p50": latency["50"],
        "p99": latency["99"],
        "rss": server.memory_mib()[0],
        "errors": int(errors.group(1)) if errors else 0,
    }


def load_average():
    with open("/proc/loadavg") as loadavg:
        return " ".join(loadavg.read().split()[:3])


def interleaved(servers, path_for, headers_for, args):
    """Runs every server once per round, the order rotating each round."""
    results = {server.name: [] for server in servers}
    for round_ in range(args.rounds):
        order = servers[round_ % len(servers):] + servers[:round_ % len(servers)]
        for server in order:
            result = wrk(server, path_for(server), headers_for(server), args)
            results[server.name].append(result)
            print(f"  round {round_ + 1} {server.name:<22} {result['rate']:>10,.0f} req/s  "
                  f"p50 {result['p50']:.2f} ms  p99 {result['p99']:.2f} ms  "
                  f"rss {result['rss']:.0f} MiB"
                  + (f"  NON-2XX {result['errors']}" if result["errors"] else ""), flush=True)
    return results


def median(results, key):
    return statistics.median(r[key] for r in results)


def same_bytes(args):
    args.seconds = args.seconds or 10
    print(f"== the same bytes: {PAGE_OF_50}, wrk -t{args.threads} -c{args.connections} "
          f"-d{args.seconds}s, {args.rounds} rounds; load average {load_average()}")
    ours = Server("altinn-events-mock", [args.ours, "--port", "0"])
    servers = [ours]
    try:
        token = ours.get("/_mock/token?org=ttd")[2].decode()
        auth = {"Authorization": f"Bearer {token}"}
        reference = ours.get(PAGE_OF_50, auth)
        print(f"  the page: {len(reference[2])} bytes, headers {served_headers(reference[1])}")
        with tempfile.TemporaryDirectory() as directory:
            headers = served_headers(reference[1])
            bare = canned("bare hyper", args.bare, reference[2], headers, directory)
            servers.insert(0, bare)
            wiremock = canned("wiremock-rs", args.wiremock, reference[2], headers, directory)
            servers.insert(1, wiremock)
            for server in (bare, wiremock):
                check_same_answer(reference, server, PAGE_OF_50, auth)
            results = interleaved(servers, lambda _: PAGE_OF_50, lambda _: auth, args)
        print(f"  medians (load average now {load_average()}):")
        for server in servers:
            r = results[server.name]
            print(f"    {server.name:<22} {median(r, 'rate'):>10,.0f} req/s  "
                  f"p50 {median(r, 'p50'):.2f} ms  p99 {median(r, 'p99'):.2f} ms  "
                  f"rss max {max(x['rss'] for x in r):.0f} MiB")
        ratio = lambda a, b: statistics.median(  # noqa: E731
            x["rate"] / y["rate"] for x, y in zip(results[a], results[b]))
        print(f"  ours / bare hyper:  {ratio(ours.name, 'bare hyper'):.2f}  (target ≥ 0.80)")
        print(f"  ours / wiremock-rs: {ratio(ours.name, 'wiremock-rs'):.2f}  (target ≥ 3)")
    finally:
        for server in servers:
            server.stop()


def sample(server, count):
    """Values to query a generated store by: a party of the app, a unit, a person, and the id
    of the event 90 % of the way in."""
    events = json.loads(server.get("/_mock/events?after=0&limit=5000")[2])
    of_app = [e["event"] for e in events
              if e["event"].get("resource") == "urn:altinn:resource:app_ttd_apps-test"]
    alternative = lambda prefix: next(  # noqa: E731
        e["alternativesubject"][len(prefix):] for e in of_app
        if e.get("alternativesubject", "").startswith(prefix))
    total = json.loads(server.get("/_mock/health")[2])["events"]
    deep = json.loads(server.get(f"/_mock/events?after={total * 9 // 10}&limit=1")[2])
    return {
        "party": of_app[0]["subject"].removeprefix("/party/"),
        "unit": alternative("/org/"),
        "person": alternative("/person/"),
        "deep": deep[0]["event"]["id"],
    }


def shapes(s):
    """(name, query, extra headers) for every query shape, for a store's sample `s`."""
    old = "from=2000-01-01Z"
    return [
        ("no filter", f"{old}&size=50", {}),
        ("party", f"{old}&party={s['party']}", {}),
        ("unit", f"{old}&unit={s['unit']}", {}),
        ("person", old, {"person": s["person"]}),
        ("type exact", f"{old}&type=app.instance.process.completed", {}),
        ("type with %", f"{old}&type=APP.instance.process.%25", {}),
        ("type matching nothing", f"{old}&type=nomatch", {}),
        ("party without events", f"{old}&party=1", {}),
        ("from after the last event", "from=2100-01-01Z", {}),
        ("to before the first event", f"{old}&to=2001-01-01Z", {}),
        ("after deep in the store", f"after={s['deep']}", {}),
        ("size=1", f"{old}&size=1", {}),
        ("size=1000", f"{old}&size=1000", {}),
    ]


def generated(args):
    args.seconds = args.seconds or 5
    count = args.generate
    print(f"== the query shapes with --generate {count} and --generate {SMALL_STORE}, "
          f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, {args.rounds} rounds; "
          f"load average {load_average()}")
    # No kept pages: every request runs its query, which is what this mode measures (a kept
    # page answers every shape alike, whatever the store holds).
    uncached = ["--page-cache", "0"]
    big = Server(f"ours, {count:,} events",
                 [args.ours, "--port", "0", "--generate", str(count), *uncached])
    print(f"  --generate {count}: first answer {big.ready_seconds:.2f} s after launch, "
          f"resident {big.memory_mib()[0]:.0f} MiB, peak {big.memory_mib()[1]:.0f} MiB")
    small = Server(f"ours, {SMALL_STORE:,} events",
                   [args.ours, "--port", "0", "--generate", str(SMALL_STORE), *uncached])
    servers = [big, small]
    summary = []
    try:
        token = big.get("/_mock/token?org=ttd")[2].decode()
        auth = {"Authorization": f"Bearer {token}"}
        samples = {big.name: sample(big, count), small.name: sample(small, SMALL_STORE)}
        queries = {name: shapes(samples[name]) for name in samples}
        with tempfile.TemporaryDirectory() as directory:
            for i, (shape, _, _) in enumerate(queries[big.name]):
                path_for = lambda server: APP + "?" + queries.get(  # noqa: E731
                    server.name, queries[big.name])[i][1]
                headers_for = lambda server: {  # noqa: E731
                    **auth, **queries.get(server.name, queries[big.name])[i][2]}
                reference = big.get(path_for(big), headers_for(big))
                bare = canned("bare hyper", args.bare, reference[2],
                              served_headers(reference[1]), directory)
                print(f"- {shape}: {path_for(big)} ({len(reference[2])} bytes)", flush=True)
                try:
                    results = interleaved([bare, small, big], path_for, headers_for, args)
                finally:
                    bare.stop()
                rates = {name: median(r, "rate") for name, r in results.items()}
                summary.append((shape, rates["bare hyper"], rates[small.name], rates[big.name]))
        print(f"  medians, req/s (load average now {load_average()}):")
        print(f"    {'shape':<28} {'bare hyper':>11} {'10 k':>9} {f'{count:,}':>11} "
              f"{'1 M / 10 k':>10} {'1 M / bare':>10}")
        for shape, bare_rate, small_rate, big_rate in summary:
            print(f"    {shape:<28} {bare_rate:>11,.0f} {small_rate:>9,.0f} {big_rate:>11,.0f} "
                  f"{big_rate / small_rate:>10.2f} {big_rate / bare_rate:>10.2f}")
        print(f"  resident with {count:,} events after the load: {big.memory_mib()[0]:.0f} MiB")
    finally:
        for server in servers:
            server.stop()


def main():
    args = parse_args()
    print(f"machine: {os.cpu_count()} cores, {cpu_model()}")
    if args.generate:
        generated(args)
    else:
        same_bytes(args)


def cpu_model():
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown CPU"


if __name__ == "__main__":
    main()
