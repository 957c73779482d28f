#!/usr/bin/env bash
# Runs the walk-through of docs/namespaces.md as written: its marked blocks, in order, in one
# shell, against a fresh server; fails if any block fails its own check.
#
#   scripts/check-namespaces.sh                 # builds the release binary and starts it
#   scripts/check-namespaces.sh --dev           # the same with the debug build (what CI does)
#   scripts/check-namespaces.sh path/to/binary  # or starts this binary
#
# Needs bash, curl and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

. scripts/lib/binary.sh
case "${1:-}" in
  "") bin=$(binary release) ;;
  --dev) bin=$(binary dev) ;;
  *) bin=$1 ;;
esac
"$bin" --port 0 > "$work/stdout" 2> "$work/stderr" &
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
export MOCK

python3 - "$work/walkthrough.sh" <<'PY'
import pathlib, re, sys
document = pathlib.Path("docs/namespaces.md").read_text()
blocks = re.findall(r"<!-- walkthrough -->\n```bash\n(.*?)```", document, re.S)
if len(blocks) < 5:
    sys.exit("docs/namespaces.md: the walk-through's blocks are missing")
pathlib.Path(sys.argv[1]).write_text("".join(f"echo '--- block {i}'\n{b}" for i, b in enumerate(blocks, 1)))
PY

mkdir -p "$work/run"
if (cd "$work/run" && timeout 120 bash -euo pipefail "$work/walkthrough.sh") > "$work/out" 2>&1; then
  echo "ok    the namespaces walk-through ($(grep -c '^--- block' "$work/out") blocks)"
else
  echo "FAIL  the namespaces walk-through:" >&2
  sed 's/^/      /' "$work/out" >&2
  exit 1
fi
