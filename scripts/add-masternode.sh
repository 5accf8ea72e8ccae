#!/usr/bin/env bash
# Add a master node to the running devnet (scripts/devnet.sh) in one command: start one more
# validator node on loopback with an empty keystore, have it generate its session keys
# (author_rotateKeysWithOwner), then register them and bond from the operator's account with
# ditex-ctl. Nobody edits a chain spec: the node validates from the second session change on
# (sessions are 10 blocks, one minute, on the local chain). Ctrl-C stops the node; leave the
# set first with `ditex-ctl masternode leave --suri //Eve`.
#
#   scripts/add-masternode.sh               Eve's account, 20,000 DTX bond
#   scripts/add-masternode.sh ferdie //Ferdie 15000
#
# Environment: DITEX_DEVNET_DIR (default /tmp/ditex-devnet), DITEX_NODE (a prebuilt binary,
# with ditex-ctl beside it).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

name="${1:-eve}"
suri="${2:-//Eve}"
bond_dtx="${3:-20000}"
dir="${DITEX_DEVNET_DIR:-/tmp/ditex-devnet}"

if [ -z "${DITEX_NODE:-}" ]; then
	# The same set devnet.sh builds, so nothing is built twice.
	cargo build --locked -p ditex-node -p ditex-relay -p ditex-ctl
	DITEX_NODE="$CARGO_TARGET_DIR/debug/ditex-node"
fi
CTL="${DITEX_CTL:-$(dirname "$DITEX_NODE")/ditex-ctl}"

[ -f "$dir/alice/node-key" ] || { echo "add-masternode: no devnet in $dir; start scripts/devnet.sh first" >&2; exit 1; }
bootnode="/ip4/127.0.0.1/tcp/30333/p2p/$("$DITEX_NODE" key inspect-node-key --file "$dir/alice/node-key")"

# The first free slot after the devnet's four validators.
slot=4
while [ -d "$dir/node$slot" ] && [ "$(cat "$dir/node$slot/name")" != "$name" ]; do slot=$((slot + 1)); done
base="$dir/node$slot"
mkdir -p "$base"
echo "$name" >"$base/name"
p2p=$((30333 + slot)) rpc=$((9944 + slot)) prom=$((9615 + slot))
# A validator keeps its network identity on disk, as the devnet's validators do.
[ -f "$base/node-key" ] || "$DITEX_NODE" key generate-node-key --file "$base/node-key" 2>/dev/null

"$DITEX_NODE" --chain local --validator --base-path "$base" --name "$name" \
	--node-key-file "$base/node-key" --listen-addr "/ip4/127.0.0.1/tcp/$p2p" --bootnodes "$bootnode" \
	--rpc-port "$rpc" --rpc-cors all --prometheus-port "$prom" --no-mdns --no-telemetry \
	>"$dir/$name.log" 2>&1 &
pid=$!
trap 'echo; echo "add-masternode: stopping $name"; kill $pid 2>/dev/null; wait $pid 2>/dev/null' INT TERM EXIT
echo "add-masternode: $name rpc ws://127.0.0.1:$rpc  log $dir/$name.log"

# Wait for its RPC (a minute at most), then join through Alice's node.
for _ in $(seq 1 60); do
	"$CTL" --url "ws://127.0.0.1:$rpc" masternode validators >/dev/null 2>&1 && break
	kill -0 $pid 2>/dev/null || { echo "add-masternode: $name exited, see $dir/$name.log" >&2; exit 1; }
	sleep 1
done
bond="${bond_dtx}000000000000"
"$CTL" --url ws://127.0.0.1:9944 masternode join --suri "$suri" --bond "$bond" \
	--node "ws://127.0.0.1:$rpc" | sed 's/^/add-masternode: /'
echo "add-masternode: $name bonded $bond_dtx DTX; it validates from the second session change on"

# Show the validator set whenever it or the session changes.
last=""
while sleep 6; do
	kill -0 $pid 2>/dev/null || { echo "add-masternode: $name exited, see $dir/$name.log" >&2; exit 1; }
	now=$("$CTL" --url ws://127.0.0.1:9944 masternode validators 2>&1 | tr -s ' \n' ' ')
	[ "$now" = "$last" ] || echo "add-masternode: $now"
	last="$now"
done
