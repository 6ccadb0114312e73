#!/usr/bin/env bash
# The project's test command (README): every test of every crate, in the one dev profile
# (dependencies at opt-level 3, see Cargo.toml), with the lock file as committed.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/proofbook-target}"
exec cargo test --workspace --locked "$@"
