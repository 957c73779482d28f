#!/usr/bin/env bash
# Runs the fault-injection recipes of docs/fault-injection.md as written, each after the
# prelude, against a fresh server with the demo data, and fails if any recipe fails its own
# check.
#
#   scripts/check-recipes.sh                 # builds the release binary and starts it
#   scripts/check-recipes.sh --dev           # the same with the debug build (what CI does)
#   scripts/check-recipes.sh path/to/binary  # or starts this binary
#
# Needs bash, curl, grep, sed and python3 (to cut the blocks out of the document).
set -euo pipefail
cd "$(dirname "$0")/.."

. scripts/lib/server.sh

# Cut the prelude and the recipes out of the document: the fenced block after each marker.
python3 - "$work" <<'PY'
import pathlib, re, sys
work = pathlib.Path(sys.argv[1])
document = pathlib.Path("docs/fault-injection.md").read_text()
blocks = re.findall(r"<!-- (recipe-prelude|recipe) -->\n```bash\n(.*?)```", document, re.S)
recipes = 0
for kind, body in blocks:
    if kind == "recipe-prelude":
        (work / "prelude.sh").write_text(body)
    else:
        recipes += 1
        (work / f"recipe-{recipes}.sh").write_text(body)
if not (work / "prelude.sh").exists() or recipes == 0:
    sys.exit("docs/fault-injection.md: no recipe blocks found")
PY

failed=0
for recipe in "$work"/recipe-*.sh; do
  name=$(basename "$recipe" .sh)
  curl -sf -X POST "$MOCK/_mock/reset" > /dev/null
  mkdir -p "$work/$name"
  if (cd "$work/$name" && bash -euo pipefail -c "$(cat "$work/prelude.sh" "$recipe")") > "$work/$name.out" 2>&1; then
    echo "ok    $name: $(tail -n 1 "$work/$name.out")"
  else
    echo "FAIL  $name:" >&2
    sed 's/^/      /' "$work/$name.out" >&2
    failed=1
  fi
done
exit $failed
