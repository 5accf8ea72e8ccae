#!/usr/bin/env bash
# Check packaging/: both systemd units pass `systemd-analyze verify` with no warning at all
# (verify exits 0 on unknown keys and bad values, printing a warning, so any output fails),
# a deliberately broken copy does fail (so this check can fail), their exposure scores stay
# low, and packaging/ditex-relay-net sets up and cleans a TUN device, routes and NAT in a
# throwaway network namespace (as root; skipped otherwise). Seconds; needs no podman.
#
# The units name /usr/bin/ditex-relay, /usr/bin/ditex-node and
# /usr/lib/ditex-relay/ditex-relay-net, which verify wants to exist: it checks copies that name
# the debug binaries in $CARGO_TARGET_DIR (built by scripts/test.sh) and the script here.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

bin="$CARGO_TARGET_DIR/debug"
for b in ditex-relay ditex-node; do
	[ -x "$bin/$b" ] || { echo "check-packaging: $bin/$b missing: cargo build --workspace first" >&2; exit 1; }
done
command -v systemd-analyze >/dev/null || { echo "check-packaging: systemd-analyze missing (scripts/setup.sh installs it)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for unit in packaging/systemd/*.service; do
	sed -e "s|/usr/bin/ditex-relay|$bin/ditex-relay|g" \
		-e "s|/usr/bin/ditex-node|$bin/ditex-node|g" \
		-e "s|/usr/lib/ditex-relay/ditex-relay-net|$DITEX_ROOT/packaging/ditex-relay-net|g" \
		"$unit" >"$tmp/$(basename "$unit")"
done

# verify: exit status 0 and not a word of output.
verify() {
	local out rc=0
	out=$(systemd-analyze verify --man=no "$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] && [ -z "$out" ] && return 0
	printf '%s\n' "$out" >&2
	return 1
}

pass=0 fail=0
for unit in "$tmp"/*.service; do
	if verify "$unit"; then
		echo "check-packaging: systemd-analyze verify $(basename "$unit"): ok"
		pass=$((pass + 1))
	else
		echo "check-packaging: systemd-analyze verify $(basename "$unit"): FAILED" >&2
		fail=$((fail + 1))
	fi
	# Exposure (0 best, 10 worst): ditex-relay 1.5 and ditex-node 1.1 when written.
	if ! systemd-analyze security --offline=yes --threshold=20 "$unit" >"$tmp/security.txt" 2>&1; then
		grep -E '✗|Overall' "$tmp/security.txt" >&2 || cat "$tmp/security.txt" >&2
		echo "check-packaging: $(basename "$unit") is exposed more than 2.0" >&2
		fail=$((fail + 1))
	else
		echo "check-packaging: $(grep -o 'Overall exposure level.*' "$tmp/security.txt")"
		pass=$((pass + 1))
	fi
done

# The check itself must be able to fail: a misspelt value and a missing binary.
sed -e 's/^Restart=on-failure/Restart=on-failur/' "$tmp/ditex-relay.service" >"$tmp/broken1.service"
sed -e "s|^ExecStart=$bin/ditex-relay|ExecStart=/nonexistent/ditex-relay|" "$tmp/ditex-relay.service" >"$tmp/broken2.service"
for b in broken1 broken2; do
	if verify "$tmp/$b.service" 2>/dev/null; then
		echo "check-packaging: a broken unit ($b) passed verify: this check checks nothing" >&2
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done

# ditex-relay-net in a network namespace of its own: up twice (the second clears the first's
# leftovers, as after a crash), then down twice (the second finds nothing, which is no error),
# and it never deletes a device that is not a TUN.
net="$DITEX_ROOT/packaging/ditex-relay-net"
sh -n "$net"
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v nft >/dev/null &&
	unshare -n true 2>/dev/null; then
	if ! unshare -n sh -eu -c '
		net=$1
		export DITEX_TUN_ADDR=10.200.0.2/32 DITEX_NAT=yes DITEX_NAT_OUT=lo DITEX_TUN_USER=nobody
		ip link set lo up
		"$net" up ditex9 10.79.0.0/24 2001:db8::/32
		"$net" up ditex9 10.79.0.0/24 2001:db8::/32
		ip -d link show ditex9 | grep -q "tun type tun pi off .*persist on user nobody"
		ip address show dev ditex9 | grep -q "inet 10.200.0.2/32"
		[ "$(ip route show 10.79.0.0/24)" = "10.79.0.0/24 dev ditex9 scope link src 10.200.0.2 linkdown " ]
		ip -6 route show 2001:db8::/32 | grep -q "dev ditex9"
		[ "$(nft list tables | grep -c ditex_relay_ditex9)" = 1 ]
		nft list table inet ditex_relay_ditex9 | grep -q "iifname \"ditex9\" oifname \"lo\" masquerade"
		"$net" down ditex9
		"$net" down ditex9
		! ip link show ditex9 2>/dev/null
		[ -z "$(ip route show 10.79.0.0/24)" ]
		[ -z "$(nft list tables)" ]
		! "$net" down lo 2>/dev/null
		ip link show lo >/dev/null
		DITEX_TUN=none "$net" up
		[ -z "$(nft list tables)" ]
	' sh "$net"; then
		echo "check-packaging: ditex-relay-net: FAILED" >&2
		fail=$((fail + 1))
	else
		echo "check-packaging: ditex-relay-net up/down in a network namespace: ok"
		pass=$((pass + 1))
	fi
else
	echo "SKIP check-packaging: ditex-relay-net needs root, ip, nft and unshare"
fi

echo "packaging: $pass passed, $fail failed"
[ "$fail" = 0 ]
