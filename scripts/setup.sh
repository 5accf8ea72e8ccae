#!/usr/bin/env bash
# Install what a fresh machine lacks to build and test ditex. Safe to run again.
set -euo pipefail
source "$(dirname "$0")/env.sh"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# System packages: protoc for sc-network/litep2p; iproute2 and nftables for the relay
# agent's network-namespace tests; chromium for the dashboard's browser test; systemd for
# systemd-analyze (scripts/check-packaging.sh verifies the units with it).
need=()
command -v protoc >/dev/null || need+=(protobuf-compiler)
command -v ip >/dev/null || need+=(iproute2)
command -v nft >/dev/null || need+=(nftables)
command -v socat >/dev/null || need+=(socat)
command -v chromium >/dev/null || need+=(chromium)
command -v systemd-analyze >/dev/null || need+=(systemd)
if [ ${#need[@]} -gt 0 ]; then
	echo "setup: installing ${need[*]}"
	as_root apt-get update -qq
	DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
fi

# RUSTUP_AUTO_INSTALL=0 here: rust-toolchain.toml alone installs nothing, so ask for each part.
rustup toolchain list | grep -q "^$DITEX_TOOLCHAIN" ||
	rustup toolchain install "$DITEX_TOOLCHAIN" --profile minimal
rustup target add --toolchain "$DITEX_TOOLCHAIN" wasm32v1-none wasm32-unknown-unknown
rustup component add --toolchain "$DITEX_TOOLCHAIN" rust-src rustfmt clippy
