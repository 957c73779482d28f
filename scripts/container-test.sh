#!/usr/bin/env bash
# Builds the container image and tests it as a CI job would use it: run it, wait for the
# `listening on` line, fetch a token and a page through its port, make a namespace and check
# it holds its own events, ask its health check, stop it with SIGTERM and check the exit code.
# Prints the image size and the start time.
#
# Uses podman (installed from Debian's packages when missing): there is no Docker daemon on
# these machines. Podman runs rootful without systemd here, hence vfs storage, runc and
# cgroupfs; the container shares the host's network, so the server listens on a free port.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v podman >/dev/null || ! command -v runc >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    # CI runs as root and installs them; a developer without them gets told, not failed.
    echo "skipped: the container test needs podman and runc (apt-get install podman runc, as root)" >&2
    exit 0
  fi
  echo "installing podman and runc (Debian packages)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y podman runc >/dev/null 2>&1 \
    || { apt-get update >/dev/null && apt-get install -y podman runc >/dev/null; }
fi
export PODMAN_FLAGS="--storage-driver=vfs --runtime runc --cgroup-manager=cgroupfs"
podman() { command podman $PODMAN_FLAGS "$@"; }

image=$(scripts/build-image.sh | tail -n 1)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
name="altinn-events-mock-test-$$"
cleanup() { podman rm -f "$name" >/dev/null 2>&1 || true; }
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; podman logs "$name" >&2 || true; exit 1; }

started=$(date +%s.%N)
podman run -d --name "$name" --network=host \
  --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
  -e ALTINN_EVENTS_MOCK_PORT="$port" "$image" >/dev/null
for _ in $(seq 300); do
  podman logs "$name" 2>/dev/null | grep -q '^listening on ' && break
  sleep 0.05
done
ready=$(date +%s.%N)
line=$(podman logs "$name" 2>/dev/null | grep '^listening on ' || true)
[ "$line" = "listening on http://0.0.0.0:$port" ] || fail "expected 'listening on http://0.0.0.0:$port', got '$line'"

base="http://127.0.0.1:$port"
token=$(curl -fsS "$base/_mock/token?org=ttd") || fail "no token"
page=$(curl -fsS -H "Authorization: Bearer $token" "$base/events/api/v1/app/ttd/apps-test?from=2020-01-01Z&size=3") \
  || fail "no page"
events=$(echo "$page" | grep -o '"specversion"' | wc -l)
[ "$events" -eq 3 ] || fail "expected a page of 3 demo events, got: $page"
# One container, many test suites: a namespace of its own, through the same port.
created=$(curl -fsS -X POST "$base/_mock/namespaces" -H 'Content-Type: application/json' \
  -d '{"name": "suite-a", "generate": 5}') || fail "no namespace"
[ "$created" = "{\"name\":\"suite-a\",\"baseUrl\":\"$base/ns/suite-a\"}" ] || fail "unexpected namespace: $created"
curl -fsS "$base/ns/suite-a/_mock/health" | grep -q '"events":5' || fail "the namespace does not hold its 5 events"
curl -fsS "$base/_mock/health" | grep -q '"events":445' || fail "the default namespace changed"
podman exec "$name" /altinn-events-mock health || fail "the health subcommand failed"
podman healthcheck run "$name" || fail "the image's HEALTHCHECK failed"
version=$(podman exec "$name" /altinn-events-mock --version)

podman kill --signal TERM "$name" >/dev/null
exit_code=$(podman wait "$name")
[ "$exit_code" = 0 ] || fail "exit code $exit_code after SIGTERM"

size=$(podman image inspect --format '{{.Size}}' "$image")
printf 'image %s (%s): %.1f MiB; listening %.2f s after podman run; token, page of 3, namespace, health, exit 0 after SIGTERM\n' \
  "$image" "$version" "$(echo "$size / 1048576" | bc -l)" "$(echo "$ready - $started" | bc -l)"
echo "container test passed"
