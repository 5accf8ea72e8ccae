#!/usr/bin/env bash
# Relay-agent soak (issue 14): for SECS seconds (default 60) a ditex-relay on loopback gets
# valid traffic beside malformed datagrams, authenticated floods with fresh flow ids and pulse
# floods with made-up peers; every 5 s it prints the relay's RSS, open descriptors, flows and
# drop counters and the share of valid datagrams delivered. It ends saying whether RSS stayed
# under DESIGN.md's 32 MiB and valid traffic kept flowing, and exits non-zero if not.
#
#   scripts/soak-relay.sh 120
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$DITEX_ROOT"
secs="${1:-60}"
cargo build --release -p ditex-relay --bin ditex-relay --example soak
echo "host: $(nproc) cores, $(uname -r); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
"$CARGO_TARGET_DIR/release/examples/soak" "$CARGO_TARGET_DIR/release/ditex-relay" "$secs"
