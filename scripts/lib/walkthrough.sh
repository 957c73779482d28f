# Sourced after scripts/lib/server.sh. run_walkthrough DOCUMENT NAME runs the document's
# blocks marked `<!-- walkthrough -->` (fenced bash), in order, in one shell, in $work/run,
# and fails if any block fails its own check (at least five blocks, or the markers are lost).
run_walkthrough() {
  local document=$1 name=$2
  python3 - "$document" "$work/walkthrough.sh" <<'PY'
import pathlib, re, sys
document = pathlib.Path(sys.argv[1]).read_text()
blocks = re.findall(r"<!-- walkthrough -->\n```bash\n(.*?)```", document, re.S)
if len(blocks) < 5:
    sys.exit(f"{sys.argv[1]}: the walk-through's blocks are missing")
pathlib.Path(sys.argv[2]).write_text("".join(f"echo '--- block {i}'\n{b}" for i, b in enumerate(blocks, 1)))
PY
  mkdir -p "$work/run"
  if (cd "$work/run" && timeout 120 bash -euo pipefail "$work/walkthrough.sh") > "$work/out" 2>&1; then
    echo "ok    the $name walk-through ($(grep -c '^--- block' "$work/out") blocks)"
  else
    echo "FAIL  the $name walk-through:" >&2
    sed 's/^/      /' "$work/out" >&2
    return 1
  fi
}
