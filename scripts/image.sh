#!/usr/bin/env bash
# Build a container image from scratch holding one static binary:
#
#   scripts/image.sh [relay|node]     (default relay) -> image localhost/ditex-relay:VERSION
#
# The binary: glibc, linked statically (RUSTFLAGS=-C target-feature=+crt-static with an
# explicit --target, so build scripts and proc macros stay dynamic). Only the Linux GNU target
# is installed here, so not musl. Release builds go to $CARGO_TARGET_DIR/image, not the shared
# release directory: a long release build there (a cargo install, the benchmarks) would hold
# its lock for the whole image build, and the other way round. About 10-20 minutes cold here
# for the relay; the node is much heavier. Then `podman build` (Debian's podman; buildah also
# works: IMAGE_TOOL=buildah). No registry is needed: the image starts FROM scratch.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

what=${1:-relay}
case $what in
relay) pkg=ditex-relay ;;
node) pkg=ditex-node ;;
*) echo "usage: scripts/image.sh [relay|node]" >&2 && exit 2 ;;
esac
target=x86_64-unknown-linux-gnu
target_dir="$CARGO_TARGET_DIR/image"
tool=${IMAGE_TOOL:-podman}
command -v "$tool" >/dev/null || { echo "image: $tool missing (apt-get install podman)" >&2; exit 1; }

RUSTFLAGS='-C target-feature=+crt-static' cargo build --locked --release \
	--target "$target" --target-dir "$target_dir" -p "$pkg"
bin="$target_dir/$target/release/$pkg"
# Static, or the image (which has no libc) cannot run it.
if readelf -d "$bin" | grep -q NEEDED; then
	echo "image: $bin is dynamically linked" >&2
	exit 1
fi

ctx="$DITEX_ROOT/packaging/build/$what"
rm -rf "$ctx"
mkdir -p "$ctx"
cp "$bin" "$ctx/$pkg"
strip "$ctx/$pkg"
# The host's CA bundle (Debian's ca-certificates): TLS clients in the binary load the
# platform's roots, and the node refuses to start without any (its offchain HTTP client).
certs=/etc/ssl/certs/ca-certificates.crt
[ -s "$certs" ] || { echo "image: no $certs (apt-get install ca-certificates)" >&2; exit 1; }
cp "$certs" "$ctx/ca-certificates.crt"
cat >"$ctx/passwd" <<'PASSWD'
root:x:0:0:root:/:/nonexistent
ditex:x:65532:65532:ditex:/var/lib/ditex:/nonexistent
nobody:x:65534:65534:nobody:/nonexistent:/nonexistent
PASSWD
cat >"$ctx/group" <<'GROUP'
root:x:0:
ditex:x:65532:
nogroup:x:65534:
GROUP
version=$("$ctx/$pkg" --version | awk '{print $2}')
image="localhost/$pkg:$version"
if [ "$tool" = buildah ]; then
	buildah bud -f "packaging/Containerfile.$what" -t "$image" "$ctx"
else
	podman build -f "packaging/Containerfile.$what" -t "$image" "$ctx"
fi
echo "image: built $image ($(du -h "$ctx/$pkg" | cut -f1) binary)"
