# Shared by the scripts: where cargo builds and which toolchain the repository pins.
# Sourced, not run.

DITEX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Build outside the clone, so a fresh clone reuses what an earlier one compiled.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ditex-target}"
# The runtime's wasm build looks for Cargo.lock above the target dir unless told where it is.
export WASM_BUILD_WORKSPACE_HINT="$DITEX_ROOT"
DITEX_TOOLCHAIN="$(sed -n 's/^channel *= *"\(.*\)"/\1/p' "$DITEX_ROOT/rust-toolchain.toml")"
export DITEX_ROOT DITEX_TOOLCHAIN
