#!/usr/bin/env bash
# Run every test: the unit tests of all crates (pallets on mock runtimes), the relay agent's
# loopback and network-namespace tests, and the end-to-end tests, which start the real
# ditex-node (built here first) on loopback.
#
#   scripts/test.sh          what CI runs
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

# The layout rustfmt.toml asks for (seconds; it had drifted in 63 files once).
cargo fmt --all -- --check
# One build of the whole workspace with test features unified, so the node binary the
# end-to-end tests start and the test crates share every compiled dependency.
cargo build --locked --workspace --all-targets
# Unit tests, the agent's loopback and namespace tests (whose timings matter: one after
# another, nothing beside them).
cargo test --locked --workspace --exclude ditex-e2e
cargo test --locked -p ditex-e2e --lib --bins
# The end-to-end tests spend their time waiting for blocks and epochs, not computing: they run
# in three lanes side by side, the longest first. Each file starts its own nodes on free
# ports (and namespaces named by its pid), so they do not meet.
e2e_lanes=3
mapfile -t e2e < <(cargo test --locked -p ditex-e2e --no-run 2>&1 |
	sed -n 's/^ *Executable tests\/\([a-z_0-9]*\)\.rs (\(.*\))$/\1 \2/p')
[ ${#e2e[@]} -gt 0 ] || { echo "e2e: no test binaries found" >&2; exit 1; }
# Longest first (as measured), then the rest in name order.
order=(devnet paid_flows qos settlement local_network masternodes agents_follow_chain registry)
sorted=()
for name in "${order[@]}"; do
	for t in "${e2e[@]}"; do [ "${t%% *}" = "$name" ] && sorted+=("$t"); done
done
for t in "${e2e[@]}"; do
	[[ " ${order[*]} " == *" ${t%% *} "* ]] || sorted+=("$t")
done
logs="$(mktemp -d)"
# One test binary: its output is kept and shown only if it fails.
run_e2e() {
	local name=${1%% *} exe=${1#* } started
	started=$(date +%s)
	if (cd "$DITEX_ROOT/tests" && "$exe") >"$E2E_LOGS/$name.log" 2>&1; then
		echo "e2e: $name passed in $(($(date +%s) - started)) s"
	else
		echo "e2e: $name FAILED after $(($(date +%s) - started)) s; its output:"
		cat "$E2E_LOGS/$name.log"
		return 1
	fi
}
export -f run_e2e
export E2E_LOGS="$logs"
# Each lane takes the next test when its last one ends (longest first), so no lane idles
# while another still has a queue.
e2e_failed=0
printf '%s\n' "${sorted[@]}" | xargs -d '\n' -P "$e2e_lanes" -I{} bash -c 'run_e2e "$1"' _ {} || e2e_failed=1
rm -rf "$logs"
[ $e2e_failed -eq 0 ] || { echo "e2e: failures above" >&2; exit 1; }
# Every benchmark once on its pallet's mock runtime, so a broken benchmark fails here and not
# first in scripts/bench-weights.sh (which measures them in the real runtime). No runtime in
# these builds, so no wasm either.
pallets=(pallet-ditex pallet-escrow pallet-tickets pallet-masternodes pallet-rewards)
SKIP_WASM_BUILD=1 cargo test --locked --lib "${pallets[@]/#/-p=}" \
	--features "$(printf '%s/runtime-benchmarks,' "${pallets[@]}")" benchmarking
# The systemd units verify cleanly and the TUN/NAT helper sets up and cleans (seconds).
scripts/check-packaging.sh
