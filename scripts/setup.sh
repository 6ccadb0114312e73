#!/usr/bin/env bash
# Installs what proofbook needs on a fresh Debian machine of this kind; idempotent, and quick
# when everything is already there. Run by .ci/run; safe to run by hand.
set -euo pipefail

# rustfmt and clippy ship as rustup components of the machine's one toolchain.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi

# RocksDB's crate compiles its bundled C++ and generates bindings with bindgen, which needs
# clang and libclang (Debian packages; the machine has gcc but not these).
if ! command -v clang >/dev/null 2>&1 || ! ls /usr/lib/llvm-*/lib/libclang.so* >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y --no-install-recommends clang libclang-dev
fi

# The Solidity toolchain (solcjs, forge, anvil, cast) and OpenZeppelin, pinned in
# contracts/package-lock.json; the Rust tests find anvil in contracts/node_modules.
contracts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../contracts" && pwd)"
if [ ! -d "$contracts_dir/node_modules/@foundry-rs/anvil-linux-amd64" ] || [ ! -d "$contracts_dir/node_modules/solc" ]; then
  # `npm install`, not `npm ci`: the forge/anvil/cast wrappers list platform packages for other
  # systems that npm leaves out of the lock file, and `npm ci` refuses that; the lock file
  # still pins every installed version.
  (cd "$contracts_dir" && npm install --no-audit --no-fund)
fi
