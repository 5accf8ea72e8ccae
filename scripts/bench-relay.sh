#!/usr/bin/env bash
# Relay-agent benchmark (DESIGN.md "Targets"). Builds release and prints, in one run on
# loopback: forwarding throughput through one ditex-relay hop (pps and Gbit/s, 1400-byte
# datagrams) beside the direct path and beside socat as a plain UDP relay, for the binary
# without a chain (unpaid) and for the data plane in process carrying a paid channel
# (admission, receipts and acks in band; see relay-agent/examples/bench.rs); relay CPU and
# Gbit/s per relay core; added per-hop latency p50/p99; pulse bytes per second per node in a
# group of 100; agent RSS with 100 peers; the load average. Figures are measured here, never
# asserted. On a shared machine, a relay CPU well under 100% on its pinned core means it was
# starved: read its Gbit/s per relay core rather than its ratio to the direct path.
#
#   scripts/bench-relay.sh            # 3 s per throughput run
#   BENCH_SECONDS=10 scripts/bench-relay.sh
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"
target="$CARGO_TARGET_DIR"
if ! command -v socat >/dev/null; then
	echo "note: socat is not installed (apt-get install socat); its column will be empty" >&2
fi
cargo build --release -p ditex-relay --bin ditex-relay --example bench
echo "host: $(nproc) cores, $(uname -r); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$target/release/examples/bench" "$target/release/ditex-relay" "${BENCH_SECONDS:-3}"
