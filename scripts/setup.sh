#!/usr/bin/env bash
# Installs what proofbook needs on a fresh Debian machine of this kind; idempotent, and quick
# when everything is already there. Run by .ci/run; safe to run by hand.
set -euo pipefail

# rustfmt and clippy ship as rustup components of the machine's one toolchain.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  rustup component add rustfmt clippy
fi
