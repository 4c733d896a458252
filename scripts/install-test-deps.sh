#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Debian's Chromium for
# the browser tests (never a downloaded browser), then the npm packages, which
# bring Node 24 with them (the `node` package) for every npm script.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  run_as_root=""
  [ "$(id -u)" -eq 0 ] || run_as_root="sudo"
  $run_as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $run_as_root apt-get install -y -qq --no-install-recommends chromium
fi

# npm install rather than npm ci: the registry mirror here holds only the Linux builds of
# packages with per-platform binaries (Biome, Rolldown), so the lock cannot list the
# others and `npm ci` would refuse it; install still follows the lock for the rest.
npm install --no-audit --no-fund
