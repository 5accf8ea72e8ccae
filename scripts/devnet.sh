#!/usr/bin/env bash
# The whole exchange on this machine (README command 1): four validators of the `local` chain
# on loopback, and six hosts in network namespaces joined by shaped veth links, each router
# registered on the chain by its own operator and running the real ditex-relay. A consumer's
# agent opens an escrow channel and forwards its application's traffic; when its direct link
# gets congested (on a schedule) it moves to a detour and comes back; the relays submit
# tickets and are paid. It says what happens as it happens, with the dashboards' addresses and
# the Polkadot.js apps link. Ctrl-C removes every namespace, link, process and rule it made.
#
#   scripts/devnet.sh                    until Ctrl-C (congestion comes and goes)
#   scripts/devnet.sh --duration SECS    SECS of traffic, then close, settle and print a
#                                        summary; exit 0 only if the traffic was rerouted and
#                                        everyone was paid exactly (SECS >= 150)
#
# Needs root for the namespaces; without root it says so and runs the chain and four loopback
# agents. Environment: DITEX_DEVNET_DIR (default /tmp/ditex-devnet).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

"$DITEX_ROOT/scripts/setup.sh"
# --bins, not --bin devnet: a --bin filter applies to every -p, and would leave the node out.
cargo build --locked -p ditex-node -p ditex-relay -p ditex-ctl -p ditex-e2e --bins
bin="$CARGO_TARGET_DIR/debug"

# Namespaces a killed devnet left behind (their names carry its pid).
if [ "$(id -u)" = 0 ]; then
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep -E '^dx[0-9]+dnh[0-9]+$' || true); do
		pid=${ns#dx}
		pid=${pid%%dn*}
		kill -0 "$pid" 2>/dev/null || ip netns del "$ns"
	done
fi

export DITEX_NODE="$bin/ditex-node" DITEX_RELAY="$bin/ditex-relay"
exec "$bin/devnet" --dir "${DITEX_DEVNET_DIR:-/tmp/ditex-devnet}" "$@"
