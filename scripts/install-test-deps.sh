#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Debian's Chromium for
# the browser tests (never a downloaded browser) and Debian's docker-compose,
# then the npm packages, which bring Node 24 with them (the `node` package) for
# every npm script.
set -euo pipefail
cd "$(dirname "$0")/.."

# docker-compose checks docker-compose.yml (test/deploy/compose.test.ts).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/docker-compose ] || missing="$missing docker-compose"
if [ -n "$missing" ]; then
  run_as_root=""
  [ "$(id -u)" -eq 0 ] || run_as_root="sudo"
  $run_as_root apt-get update -qq
  # shellcheck disable=SC2086 # one word per package
  DEBIAN_FRONTEND=noninteractive $run_as_root apt-get install -y -qq --no-install-recommends $missing
fi

# npm install rather than npm ci: the registry mirror here holds only the Linux builds of
# packages with per-platform binaries (Biome, Rolldown), so the lock cannot list the
# others and `npm ci` would refuse it; install still follows the lock for the rest.
npm install --no-audit --no-fund
