# Sourced by the scripts that run a document's commands against a fresh server. Starts the
# binary the script's first argument names (none: the release build; --dev: the debug build,
# what CI uses; anything else: a path to a binary) on port 0, waits for its `listening on`
# line and exports MOCK, its URL. $work is a scratch folder; at exit the server is stopped
# and $work removed, after the script's own on_exit function if it defines one.
work=$(mktemp -d)
server_pid=""
cleanup() {
  if declare -F on_exit >/dev/null; then on_exit; fi
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
