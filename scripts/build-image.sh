#!/usr/bin/env bash
# Builds the container image altinn-events-mock:VERSION (and :latest): a statically linked
# release binary in a FROM scratch image (Containerfile), with whichever of docker, podman or
# buildah is present. Prints the image reference on its last line.
#
#   scripts/build-image.sh            # tag altinn-events-mock:$VERSION and :latest
#   IMAGE=my/registry/mock scripts/build-image.sh
#
# Podman here runs as root without a daemon; set PODMAN_FLAGS for its storage and runtime
# (scripts/container-test.sh sets what this kind of machine needs).
set -euo pipefail
cd "$(dirname "$0")/.."

image=${IMAGE:-altinn-events-mock}
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
revision=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)
source=$(git remote get-url origin 2>/dev/null || true)
host=$(rustc -vV | sed -n 's/^host: //p')

# Static: the image has no C library. Nothing here needs glibc's resolver beyond literal
# addresses and localhost. A target of its own keeps these flags off the normal build.
echo "building a static binary for $host…" >&2
binary=$(RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --quiet \
  --target "$host" --bin altinn-events-mock --message-format json-render-diagnostics \
  | python3 -c '
import json, sys
path = None
for line in sys.stdin:
    message = json.loads(line)
    if message.get("reason") == "compiler-artifact" and message.get("executable"):
        path = message["executable"]
if not path:
    sys.exit("cargo built no binary")
print(path)
')
if ldd "$binary" 2>&1 | grep -q "=>"; then
  echo "error: $binary is not statically linked" >&2
  exit 1
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$binary" "$context/altinn-events-mock"
cp Containerfile "$context/Containerfile"

args=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created"
      --build-arg "SOURCE=$source"
      -t "$image:$version" -t "$image:latest" -f "$context/Containerfile" "$context")
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker build "${args[@]}" >&2
elif command -v podman >/dev/null; then
  # shellcheck disable=SC2086 # PODMAN_FLAGS is a list of flags
  # The docker format keeps HEALTHCHECK, which the OCI format has no field for.
  podman ${PODMAN_FLAGS:-} build --format docker "${args[@]}" >&2
elif command -v buildah >/dev/null; then
  buildah bud --format docker "${args[@]}" >&2
else
  echo "error: none of docker, podman or buildah is installed" >&2
  exit 1
fi
echo "$image:$version"
