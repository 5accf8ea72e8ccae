#!/usr/bin/env bash
# Ticket intake on a real dev node beside balance transfers: registers segment routers, opens
# channels, submits every router's ticket at once with transfers interleaved and prints what
# each block took and the tickets per second over the full blocks.
#
#   scripts/bench-intake.sh [IDLE_TICKETS] [CHANNEL_TICKETS] [TRANSFERS]   (9000 5000 2000)
#   BENCH_RELEASE=1 scripts/bench-intake.sh ...                            a release node
#   DITEX_NODE=path/to/ditex-node scripts/bench-intake.sh ...              that node
#
# Takes a few minutes; run it on a quiet machine.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

if [ -n "${DITEX_NODE:-}" ]; then
	# A node built elsewhere, such as the image's static release node (scripts/image.sh node):
	# only the client is built, as scripts/test.sh builds it.
	cargo build --locked --workspace --all-targets
	"$DITEX_NODE" --version >/dev/null || { echo "bench-intake: $DITEX_NODE does not run" >&2; exit 1; }
	exec "$CARGO_TARGET_DIR/debug/bench-intake" "$@"
elif [ "${BENCH_RELEASE:-}" = 1 ]; then
	# A release node: a debug node's block author runs out of time before blocks fill by
	# weight. About 40 minutes to build cold here.
	cargo build --locked --release -p ditex-node -p ditex-e2e --bin ditex-node --bin bench-intake
	out="$CARGO_TARGET_DIR/release"
else
	# The same build as scripts/test.sh, so the two share every artifact.
	cargo build --locked --workspace --all-targets
	out="$CARGO_TARGET_DIR/debug"
fi
DITEX_NODE="$out/ditex-node" "$out/bench-intake" "$@"
