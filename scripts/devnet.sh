#!/usr/bin/env bash
# Start a local ditex network on loopback: four validators (Alice, Bob, Charlie, Dave) of the
# `local` chain, each with its own base path and ports, and four relay agents whose routers
# Alice, Bob, Charlie and Dave register on the chain; the agents read the registry from the
# chain, find each other in their group, pulse and measure. Ctrl-C stops everything it started.
#
#   scripts/devnet.sh           fresh chain (old devnet state is removed)
#   scripts/devnet.sh --keep    keep the chain state of the previous run
#
# Environment: DITEX_DEVNET_DIR (default /tmp/ditex-devnet), DITEX_NODE (a prebuilt binary).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

keep=0
[ "${1:-}" = "--keep" ] && keep=1
dir="${DITEX_DEVNET_DIR:-/tmp/ditex-devnet}"

if [ -z "${DITEX_NODE:-}" ]; then
	"$DITEX_ROOT/scripts/setup.sh"
	cargo build --locked -p ditex-node -p ditex-relay -p ditex-ctl
	DITEX_NODE="$CARGO_TARGET_DIR/debug/ditex-node"
fi
DITEX_RELAY="${DITEX_RELAY:-$(dirname "$DITEX_NODE")/ditex-relay}"
DITEX_CTL="${DITEX_CTL:-$(dirname "$DITEX_NODE")/ditex-ctl}"

[ $keep = 1 ] || rm -rf "$dir"
mkdir -p "$dir"

pids=()
stop() {
	trap - INT TERM EXIT
	echo
	echo "devnet: stopping ${#pids[@]} processes"
	kill "${pids[@]}" 2>/dev/null || true
	wait "${pids[@]}" 2>/dev/null || true
	echo "devnet: stopped; logs and state are in $dir"
}
trap stop INT TERM EXIT

names=(alice bob charlie dave)
bootnode=""
for i in "${!names[@]}"; do
	name=${names[$i]}
	base="$dir/$name"
	p2p=$((30333 + i)) rpc=$((9944 + i)) prom=$((9615 + i))
	mkdir -p "$base"
	# A fixed node key per validator: peer ids stay the same across restarts.
	[ -f "$base/node-key" ] || "$DITEX_NODE" key generate-node-key --file "$base/node-key" 2>/dev/null
	peer=$("$DITEX_NODE" key inspect-node-key --file "$base/node-key")
	args=(--chain local "--$name" --validator --base-path "$base" --name "$name"
		--node-key-file "$base/node-key" --listen-addr "/ip4/127.0.0.1/tcp/$p2p"
		--rpc-port "$rpc" --rpc-cors all --prometheus-port "$prom" --no-mdns --no-telemetry)
	[ -n "$bootnode" ] && args+=(--bootnodes "$bootnode")
	"$DITEX_NODE" "${args[@]}" >"$dir/$name.log" 2>&1 &
	pids+=($!)
	[ -n "$bootnode" ] || bootnode="/ip4/127.0.0.1/tcp/$p2p/p2p/$peer"
	printf 'devnet: %-8s rpc ws://127.0.0.1:%s  metrics http://127.0.0.1:%s/metrics  log %s\n' \
		"$name" "$rpc" "$prom" "$dir/$name.log"
done

# Relay agents: one group of four on loopback, listed on the chain by the four dev accounts
# (each pays its router's deposit). With --keep, the routers of the previous run are reused.
relays=4
operators=(//Alice //Bob //Charlie //Dave)
url=ws://127.0.0.1:9944
for _ in $(seq 1 60); do
	"$DITEX_CTL" --url "$url" masternode validators >/dev/null 2>&1 && break
	sleep 1
done
echo "devnet: registering ${relays} segment routers (each waits for finality)"
regs=()
ids=()
for r in $(seq 1 $relays); do
	[ $keep = 1 ] && [ -s "$dir/relay$r.id" ] && continue
	"$DITEX_RELAY" keygen >"$dir/relay$r.key"
	key=$(sed -n 's/^key = "\(.*\)"$/\1/p' "$dir/relay$r.key")
	ticket_key=$(sed -n 's/^ticket_key = "\(.*\)"$/\1/p' "$dir/relay$r.key")
	"$DITEX_CTL" --url "$url" segment register --suri "${operators[$((r - 1))]}" \
		--endpoint "127.0.0.1:$((51820 + r))" --key "$key" --ticket-key "$ticket_key" \
		--region DE-BE --asn 64512 \
		--price 1000000 >"$dir/relay$r.register" 2>&1 &
	regs+=($!)
done
for p in "${regs[@]}"; do wait "$p" || true; done
for r in $(seq 1 $relays); do
	if [ ! -s "$dir/relay$r.id" ]; then
		id=$(sed -n 's/^segment \([0-9]*\) registered.*/\1/p' "$dir/relay$r.register")
		[ -n "$id" ] || { echo "devnet: registering relay$r failed:"; cat "$dir/relay$r.register"; exit 1; }
		echo "$id" >"$dir/relay$r.id"
	fi
	ids[r]=$(cat "$dir/relay$r.id")
done
for r in $(seq 1 $relays); do
	cfg="$dir/relay$r.toml"
	{
		echo "[agent]"
		echo "id = ${ids[r]}"
		grep '^secret_key' "$dir/relay$r.key"
		echo "listen = \"127.0.0.1:$((51820 + r))\""
		echo "status_file = \"$dir/relay$r.status.json\""
		echo "state_file = \"$dir/relay$r.accounting.json\""
		echo "[net]"
		echo "# Every relay of the devnet is on 127.0.0.1."
		echo "test_bed = true"
		echo "[routing]"
		others=$(for p in $(seq 1 $relays); do [ "$p" = "$r" ] || printf '%s,' "${ids[p]}"; done)
		echo "destinations = [${others%,}]"
		echo "[chain]"
		echo "url = \"$url\""
	} >"$cfg"
	"$DITEX_RELAY" run --config "$cfg" >"$dir/relay$r.log" 2>&1 &
	pids+=($!)
	names+=("relay$r")
	printf 'devnet: relay%-4s segment %s  udp 127.0.0.1:%s  status: %s status --config %s\n' \
		"$r" "${ids[r]}" "$((51820 + r))" "$DITEX_RELAY" "$cfg"
done

echo "devnet: Polkadot.js apps: https://polkadot.js.org/apps/?rpc=ws%3A%2F%2F127.0.0.1%3A9944#/explorer"
echo "devnet: waiting for finality (Ctrl-C to stop)"

# Report the network's progress until stopped; exit if a node dies.
while sleep 6; do
	for i in "${!pids[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null || { echo "devnet: ${names[$i]} exited, see $dir/${names[$i]}.log"; exit 1; }
	done
	line=$(grep -h "Idle\|Syncing" "$dir/alice.log" | tail -n 1 || true)
	[ -n "$line" ] && echo "devnet: alice: ${line#*💤 }"
	"$DITEX_RELAY" status --config "$dir/relay1.toml" 2>/dev/null | sed 's/^/devnet: relay1: /' | head -n 16 || true
done
