#!/usr/bin/env bash
# Builds the mock-vllm container image from a static binary, with no base image to pull.
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
docker build --quiet --tag "$tag" --file mock-server/Dockerfile "$context" >/dev/null
echo "built $tag ($(docker image inspect --format '{{.Size}}' "$tag") bytes)"
