#!/usr/bin/env bash
# The registry-free path to the mock-vllm image: a static binary built here on the host, packed
# FROM scratch. Needs no base image at all, but gives an image of this host's architecture
# only (x86_64 Linux); mock-server/Dockerfile is the path that builds on any host.
#
#   mock-server/build-image.sh [TAG]      (default tag: mock-vllm:dev)
set -euo pipefail

tag="${1:-mock-vllm:dev}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target="x86_64-unknown-linux-gnu"

cd "$root"
# Stripped: the debug line tables the release profile keeps for profiling have no use in the image.
CARGO_PROFILE_RELEASE_STRIP=symbols RUSTFLAGS='-C target-feature=+crt-static' \
  cargo build --release --locked --target "$target" -p mock-vllm

context="$root/target/image-context"
rm -rf "$context"
mkdir -p "$context"
cp "target/$target/release/mock-vllm" "$context/"
docker build --quiet --tag "$tag" --file - "$context" >/dev/null <<'DOCKERFILE'
FROM scratch
COPY mock-vllm /mock-vllm
USER 65534:65534
EXPOSE 8000
ENTRYPOINT ["/mock-vllm"]
DOCKERFILE
echo "built $tag ($(docker image inspect --format '{{.Size}}' "$tag") bytes)"
