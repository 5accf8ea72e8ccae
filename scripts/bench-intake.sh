#!/usr/bin/env bash
# Ticket intake on a real dev node beside balance transfers: registers segment routers, opens
# channels, submits every router's ticket at once with transfers interleaved and prints what
# each block took and the tickets per second over the full blocks.
#
#   scripts/bench-intake.sh [IDLE_TICKETS] [CHANNEL_TICKETS] [TRANSFERS]   (9000 5000 2000)
#
# Takes a few minutes; run it on a quiet machine.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

# The same build as scripts/test.sh, so the two share every artifact.
cargo build --locked --workspace --all-targets
DITEX_NODE="$CARGO_TARGET_DIR/debug/ditex-node" "$CARGO_TARGET_DIR/debug/bench-intake" "$@"
