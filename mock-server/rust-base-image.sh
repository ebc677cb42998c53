#!/usr/bin/env bash
# Makes the builder image mock-server/Dockerfile starts FROM, `rust:1.95-slim-bookworm`, on a
# machine that cannot pull it: a Debian bookworm root made by debootstrap with what the
# official image carries (gcc, libc6-dev, ca-certificates, pkg-config), this machine's Rust
# toolchain laid out as the official image lays it out (RUSTUP_HOME=/usr/local/rustup,
# CARGO_HOME=/usr/local/cargo on PATH), and this machine's trusted CA certificates, so that
# cargo in the builder can reach crates.io through a proxy with its own CA.
#
#   mock-server/rust-base-image.sh [TAG]    (default rust:1.95-slim-bookworm; kept when present)
#
# Needs root, debootstrap and docker; the Debian mirror is the one apt uses here.
set -euo pipefail

tag="${1:-rust:1.95-slim-bookworm}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag: present"
  exit 0
fi
for tool in debootstrap docker rustup; do
  command -v "$tool" >/dev/null || { echo "rust-base-image.sh needs $tool" >&2; exit 1; }
done

# The mirror apt is configured with (deb822 sources first, then the one-line format).
mirror="$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)"
if [ -z "$mirror" ]; then
  mirror="$(awk '$1 == "deb" { print ($2 ~ /^\[/ ? $3 : $2); exit }' /etc/apt/sources.list 2>/dev/null)"
fi
[ -n "$mirror" ] || { echo "rust-base-image.sh: no Debian mirror in apt's sources" >&2; exit 1; }

toolchain="$(rustup toolchain list | awk '/default/ { print $1; exit }')"
toolchain_dir="$(rustup toolchain list -v | awk -v t="$toolchain" '$1 == t { print $NF }')"
[ -x "$toolchain_dir/bin/cargo" ] || { echo "rust-base-image.sh: no cargo in $toolchain_dir" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

echo "$tag: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=gcc,libc6-dev,ca-certificates,pkg-config \
  bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log" >&2; exit 1; }

echo "$tag: the $toolchain toolchain and the CA certificates"
mkdir -p "$rootfs/usr/local/rustup/toolchains" "$rootfs/usr/local/cargo/bin"
# The toolchain without its documentation (most of its size).
tar -C "$(dirname "$toolchain_dir")" --exclude "./$(basename "$toolchain_dir")/share/doc" \
  -cf - "./$(basename "$toolchain_dir")" | tar -C "$rootfs/usr/local/rustup/toolchains" -xf -
printf 'version = "12"\ndefault_toolchain = "%s"\nprofile = "minimal"\n' "$toolchain" \
  >"$rootfs/usr/local/rustup/settings.toml"
cp "$(command -v rustup)" "$rootfs/usr/local/cargo/bin/rustup"
for proxy in cargo rustc rustdoc; do
  ln -sf rustup "$rootfs/usr/local/cargo/bin/$proxy"
done
cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$rootfs" update-ca-certificates >/dev/null
rm -rf "$rootfs/var/cache/apt/archives/"*.deb "$rootfs/var/lib/apt/lists/"*

echo "$tag: docker import"
tar -C "$rootfs" -cf - . | docker import \
  --change 'ENV RUSTUP_HOME=/usr/local/rustup' \
  --change 'ENV CARGO_HOME=/usr/local/cargo' \
  --change 'ENV PATH=/usr/local/cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["bash"]' - "$tag" >/dev/null
echo "$tag: made ($(docker image inspect --format '{{.Size}}' "$tag") bytes)"
