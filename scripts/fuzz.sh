#!/usr/bin/env bash
# Fuzz every parser of the relay agent, and paid flows through whole agents holding valid keys
# (`paid`), for a while each and print what libFuzzer reports.
#
#   scripts/fuzz.sh            60 s per target (header, pulse, config, datagram, paid)
#   scripts/fuzz.sh 600 pulse  10 minutes on the pulse parser only
#
# cargo-fuzz needs a nightly toolchain (sanitizers); both are installed on first use. Corpora
# and crash artifacts stay in relay-agent/fuzz/{corpus,artifacts} (ignored by git), so a
# later run goes on from what an earlier one found; a target with seeds in
# relay-agent/fuzz/seeds/TARGET starts from those too. Stops at the first target that crashes.
set -euo pipefail
source "$(dirname "$0")/env.sh"
# The fuzz crate is its own workspace with its own (sanitizer) profile: keep it apart.
export CARGO_TARGET_DIR="${DITEX_FUZZ_TARGET_DIR:-$HOME/.cache/ditex-fuzz-target}"

secs="${1:-60}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(header pulse config datagram paid)

rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo +nightly install --locked cargo-fuzz

cd "$DITEX_ROOT/relay-agent/fuzz"
cargo +nightly fuzz build
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
	echo "fuzz: $t for $secs s"
	status=0
	corpora=()
	if [ -d "seeds/$t" ]; then
		mkdir -p "corpus/$t"
		corpora=("corpus/$t" "seeds/$t")
	fi
	cargo +nightly fuzz run "$t" "${corpora[@]}" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 ||
		status=$?
	# libFuzzer's closing lines: coverage, inputs run, their rate, new units, or the crash.
	grep -E '^(#[0-9]+[[:space:]]+DONE|Done [0-9]+ runs|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' "$log" || true
	if [ "$status" != 0 ]; then
		echo "fuzz: $t failed (exit $status); full output:" >&2
		tail -50 "$log" >&2
		exit "$status"
	fi
done
