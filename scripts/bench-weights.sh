#!/usr/bin/env bash
# Regenerate a pallet's weights.rs from its benchmarks, run in the wasm runtime.
#
#   scripts/bench-weights.sh pallet_ditex pallets/ditex/src/weights.rs
#
# Uses frame-omni-bencher (installed on first use, into ~/.cargo/bin; it is a separate tool
# and never part of this workspace's dependency tree) against the runtime built with the
# `runtime-benchmarks` feature.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

pallet="${1:?pallet name, e.g. pallet_ditex}"
out="${2:?output weights.rs}"

command -v frame-omni-bencher >/dev/null || cargo install --locked frame-omni-bencher
cargo build --locked --release -p ditex-runtime --features runtime-benchmarks
wasm="$CARGO_TARGET_DIR/release/wbuild/ditex-runtime/ditex_runtime.compact.compressed.wasm"

frame-omni-bencher v1 benchmark pallet \
	--runtime "$wasm" \
	--pallet "$pallet" --extrinsic "*" \
	--steps 20 --repeat 10 \
	--header /dev/null \
	--output "$out"
echo "wrote $out"
