#!/usr/bin/env bash
# Builds proofbook's L1 contracts with the pinned toolchain (contracts/package.json: solcjs
# through contracts/tools/solc, forge 1.7.1) and refreshes the artifacts the Rust crate
# embeds, contracts/artifacts/*.json. Offline: nothing is downloaded at build time.
#   --check  fail (exit 1) if the committed artifacts differ from a fresh build
#   --test   also run `forge test`
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root/contracts"
check=0
test=0
for a in "$@"; do
  case "$a" in
    --check) check=1 ;;
    --test) test=1 ;;
    *) echo "usage: $0 [--check] [--test]" >&2; exit 2 ;;
  esac
done
if [ ! -d node_modules/solc ] || [ ! -d node_modules/@foundry-rs/forge-linux-amd64 ]; then
  npm install --no-audit --no-fund # see scripts/setup.sh for why not `npm ci`
fi
export PATH="$PWD/node_modules/.bin:$PATH"
forge build
if [ "$check" = 1 ]; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  node tools/artifacts.js "$tmp"
  if ! diff -r artifacts "$tmp" >/dev/null; then
    diff -r artifacts "$tmp" | head -20 >&2 || true
    echo "contracts/artifacts are stale: run scripts/build-contracts.sh and commit them" >&2
    exit 1
  fi
  echo "contracts/artifacts are up to date"
else
  node tools/artifacts.js artifacts
fi
if [ "$test" = 1 ]; then
  forge test
fi
