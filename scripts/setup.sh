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
