# Sourced by the scripts: `binary PROFILE` builds the altinn-events-mock binary with cargo in
# that profile (release or dev) and prints its path, asking cargo where it put it, so a shared
# CARGO_TARGET_DIR (a CI cache) works.
binary() {
  local profile=$1 flags=()
  [ "$profile" = release ] && flags=(--release)
  cargo build "${flags[@]}" --quiet --bin altinn-events-mock --message-format json-render-diagnostics \
    | python3 -c '
import json, sys
path = None
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == "altinn-events-mock":
        path = message["executable"]
if not path:
    sys.exit("cargo built no altinn-events-mock binary")
print(path)
'
}

# `example_binary PROFILE NAME` builds example NAME in that profile and prints its path.
example_binary() {
  local profile=$1 name=$2 flags=()
  [ "$profile" = release ] && flags=(--release)
  cargo build "${flags[@]}" --quiet --example "$name" --message-format json-render-diagnostics \
    | python3 -c '
import json, sys
name = sys.argv[1]
path = None
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable") \
            and message["target"]["name"] == name:
        path = message["executable"]
if not path:
    sys.exit(f"cargo built no {name} example")
print(path)
' "$name"
}
