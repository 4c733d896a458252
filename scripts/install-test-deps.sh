#!/usr/bin/env bash
# Installs what the tests need on a fresh Debian machine: Debian's Chromium for
# the browser tests (never a downloaded browser), Debian's docker-compose, and
# Apache httpd with mod_auth_openidc as a relying party we did not write, then
# the npm packages, which bring Node 24 with them (the `node` package) for
# every npm script.
set -euo pipefail
cd "$(dirname "$0")/.."

# docker-compose checks docker-compose.yml (test/deploy/compose.test.ts).
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -x /usr/bin/docker-compose ] || missing="$missing docker-compose"
# test/e2e/mod-auth-openidc-browser.test.ts runs its own httpd: apache2-bin is the server
# and its modules without the apache2 package's system service on port 80. openssl makes
# that test's throw-away certificate.
[ -x /usr/sbin/apache2 ] || missing="$missing apache2-bin"
[ -f /usr/lib/apache2/modules/mod_auth_openidc.so ] || missing="$missing libapache2-mod-auth-openidc"
[ -x /usr/bin/openssl ] || missing="$missing openssl"
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
