#!/usr/bin/env bash
# The contract test: schemathesis runs every check it has against GET /_mock/openapi.json of a
# throwaway server (demo data, a valid token) and fails on any failure. docs/contract.md says
# what it covers, what the hooks (scripts/contract_hooks.py) and the settings
# (scripts/contract-test.toml) do and why, and the conventions an OpenAPI part must follow to
# pass.
#
#   scripts/contract-test.sh                 # builds the release binary and starts it
#   scripts/contract-test.sh --dev           # the same with the debug build (what CI does)
#   scripts/contract-test.sh path/to/binary  # or starts this binary
#
# The server and schemathesis run in a network namespace with only loopback (unshare, as root
# or with user namespaces; CONTRACT_TEST_NETWORK=host skips it, for a server that never calls
# out). CONTRACT_TEST_EXAMPLES (default 50) bounds the generated cases per operation and phase,
# CONTRACT_TEST_SEED (default 1) seeds the generation; the same seed and binary give the same run.
# Installs schemathesis, pinned with its dependencies in scripts/contract-test.requirements.txt,
# into a virtual environment under ${XDG_CACHE_HOME:-~/.cache}/altinn-events-mock/ when it is not
# there yet (needs python3 with venv, and PyPI once). Needs curl.
set -euo pipefail
script=$(realpath "$0")
cd "$(dirname "$0")/.."

examples=${CONTRACT_TEST_EXAMPLES:-50}
seed=${CONTRACT_TEST_SEED:-1}
requirements=scripts/contract-test.requirements.txt

# ---- schemathesis, in a virtual environment keyed by the pinned requirements
pins=$(sha256sum "$requirements" | cut -c1-12)
venv=${XDG_CACHE_HOME:-$HOME/.cache}/altinn-events-mock/schemathesis-$pins
if [ ! -e "$venv/installed" ]; then
  echo "installing schemathesis into $venv"
  rm -rf "$venv"
  mkdir -p "$(dirname "$venv")"
  if ! python3 -m venv "$venv" 2> /dev/null; then
    # Debian ships venv apart from python3; install it where we may.
    if command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
      apt-get update -qq > /dev/null
      apt-get install -y -qq python3-venv > /dev/null
      rm -rf "$venv"
      python3 -m venv "$venv"
    else
      echo "python3 cannot make a virtual environment: install python3-venv" >&2
      exit 1
    fi
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps -r "$requirements"
  touch "$venv/installed" # only a complete install counts
fi
schemathesis=$venv/bin/schemathesis

# ---- a throwaway server
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2> /dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

. scripts/lib/binary.sh
case "${1:-}" in
  "") bin=$(binary release) ;;
  --dev) bin=$(binary dev) ;;
  *) bin=$1 ;;
esac

# ---- no way out: the server and schemathesis run in a network namespace of their own with
# only loopback, so nothing a generated request asks for (a webhook endpoint on another host,
# say) can leave this machine. Installing and building above needed the network; this does not.
if [ "${CONTRACT_TEST_NETWORK:-}" != isolated ] && [ "${CONTRACT_TEST_NETWORK:-}" != host ]; then
  if ! command -v ip > /dev/null && command -v apt-get > /dev/null && [ "$(id -u)" = 0 ]; then
    apt-get update -qq > /dev/null && apt-get install -y -qq iproute2 > /dev/null
  fi
  for namespace in "unshare --net" "unshare --net --map-root-user"; do
    if $namespace ip link set lo up 2> /dev/null; then
      rm -rf "$work"
      trap - EXIT
      exec $namespace env CONTRACT_TEST_NETWORK=isolated bash -c 'ip link set lo up && exec "$0" "$1"' "$script" "$bin"
    fi
  done
  echo "cannot run in a network namespace of its own (needs unshare and ip, as root or with user" >&2
  echo "namespaces); CONTRACT_TEST_NETWORK=host runs without one, for a server that never calls out" >&2
  exit 1
fi

# A small cap on a namespace's events keeps the namespaces generated cases create (their
# `generate` is bounded by it, as the served document says) quick to make and small.
"$bin" --port 0 --namespace-max-events 1000 > "$work/stdout" 2> "$work/stderr" &
server_pid=$!
for _ in $(seq 300); do
  if grep -q '^listening on ' "$work/stdout"; then break; fi
  sleep 0.1
done
MOCK=$(sed -n 's/^listening on //p' "$work/stdout")
if [ -z "$MOCK" ]; then
  echo "the server did not start:" >&2
  cat "$work/stderr" >&2
  exit 1
fi
# A service owner with the scope the generic events API and generic subscriptions need, so
# those operations are tested past their 403.
token=$(curl -sf "$MOCK/_mock/token?org=ttd&scope=altinn:serviceowner/instances.read%20altinn:events.subscribe")
access_token=$(curl -sf "$MOCK/_mock/token?app=ttd/apps-test")

# ---- the run
# schemathesis leaves out the operation that served the document unless a filter selects it:
# `--include-path-regex ^/` selects every path, so GET /_mock/openapi.json is tested too.
# `x-mock-fault: what=delay:0s` on every request keeps the fault rules that generated cases add
# off the cases after them (a request's own header wins over standing rules); see the hooks.
started=$(date +%s)
status=0
(cd "$work" && CONTRACT_TEST_BASE_URL=$MOCK SCHEMATHESIS_HOOKS="$OLDPWD/scripts/contract_hooks.py" \
  "$schemathesis" --config-file "$OLDPWD/scripts/contract-test.toml" run "$MOCK/_mock/openapi.json" \
  --include-path-regex '^/' \
  --checks all \
  --phases examples,coverage,fuzzing,stateful \
  --max-examples "$examples" \
  --seed "$seed" \
  --workers 1 \
  --generation-database none \
  --request-timeout 30 \
  --no-color \
  -H "Authorization: Bearer $token" \
  -H "PlatformAccessToken: $access_token" \
  -H "x-mock-fault: what=delay:0s") || status=$?
echo "contract test: schemathesis $("$schemathesis" --version | sed 's/.* //'), seed $seed, up to $examples examples per operation, $(($(date +%s) - started)) s"
if [ "$status" -ne 0 ]; then
  echo "the server's log:" >&2
  tail -n 20 "$work/stderr" >&2
fi
exit "$status"
