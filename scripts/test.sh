#!/usr/bin/env bash
# Run every test: unit tests of all crates, then the end-to-end tests, which start real
# ditex-node processes (built here first) on loopback.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"

cargo build --locked -p ditex-node
cargo test --locked --workspace --exclude ditex-e2e
# One at a time: each test starts its own nodes, and two cores are shared by all of them.
cargo test --locked -p ditex-e2e -- --test-threads=1
