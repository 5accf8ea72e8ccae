#!/usr/bin/env bash
# Run every test: the unit tests of all crates (pallets on mock runtimes), the relay agent's
# loopback and network-namespace tests, and the end-to-end tests, which start the real
# ditex-node (built here first) on loopback.
#
#   scripts/test.sh          what CI runs
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

# One build of the whole workspace with test features unified, so the node binary the
# end-to-end tests start and the test crates share every compiled dependency.
cargo build --locked --workspace --all-targets
# Test binaries run one after another; each end-to-end file holds one test that starts its
# own nodes, so they never compete for the two cores.
cargo test --locked --workspace
# Every benchmark once on its pallet's mock runtime, so a broken benchmark fails here and not
# first in scripts/bench-weights.sh (which measures them in the real runtime). No runtime in
# these builds, so no wasm either.
pallets=(pallet-ditex pallet-escrow pallet-tickets pallet-masternodes pallet-rewards)
SKIP_WASM_BUILD=1 cargo test --locked --lib "${pallets[@]/#/-p=}" \
	--features "$(printf '%s/runtime-benchmarks,' "${pallets[@]}")" benchmarking
# The systemd units verify cleanly and the TUN/NAT helper sets up and cleans (seconds).
scripts/check-packaging.sh
