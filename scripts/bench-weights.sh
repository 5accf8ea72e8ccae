#!/usr/bin/env bash
# Regenerate the ditex pallets' weights.rs from their benchmarks, run in the wasm runtime.
#
#   scripts/bench-weights.sh                                     every ditex pallet
#   scripts/bench-weights.sh pallet_ditex pallets/ditex/src/weights.rs
#
# Uses frame-omni-bencher (installed on first use, into ~/.cargo/bin; it is a separate tool
# and never part of this workspace's dependency tree) against the runtime built with the
# `runtime-benchmarks` feature.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

if [ $# -ge 2 ]; then
	jobs=("$1=$2")
else
	jobs=(pallet_ditex=pallets/ditex/src/weights.rs pallet_escrow=pallets/escrow/src/weights.rs
		pallet_tickets=pallets/tickets/src/weights.rs pallet_rewards=pallets/rewards/src/weights.rs
		pallet_masternodes=pallets/masternodes/src/weights.rs)
fi

if ! command -v frame-omni-bencher >/dev/null; then
	# It links RocksDB (its own tree, never this workspace's), whose bindings need libclang.
	command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q libclang-dev clang
	# Outside this workspace: no workspace hint for its test runtimes' wasm builds (which it
	# does not need for pallet benchmarks).
	env -u WASM_BUILD_WORKSPACE_HINT SKIP_WASM_BUILD=1 cargo install --locked frame-omni-bencher
fi
# Only the wasm runtime is measured, and the wasm build is optimised whatever the host
# profile, so the host side builds in the (cheaper, mostly cached) dev profile.
cargo build --locked -p ditex-runtime --features runtime-benchmarks
wbuild="$CARGO_TARGET_DIR/debug/wbuild/ditex-runtime"
# A dev-profile host build skips compaction: the (still optimised) plain blob is what it has.
for wasm in "$wbuild"/ditex_runtime.compact.compressed.wasm "$wbuild"/ditex_runtime.wasm; do
	[ -f "$wasm" ] && break
done
[ -f "$wasm" ] || { echo "bench-weights: no runtime blob in $wbuild" >&2; exit 1; }

for job in "${jobs[@]}"; do
	pallet="${job%%=*}" out="${job#*=}"
	frame-omni-bencher v1 benchmark pallet \
		--runtime "$wasm" \
		--pallet "$pallet" --extrinsic "*" \
		--steps "${BENCH_STEPS:-20}" --repeat "${BENCH_REPEAT:-10}" \
		--template scripts/frame-weight-template.hbs \
		--output "$out"
	echo "wrote $out"
done
