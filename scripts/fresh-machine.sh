#!/usr/bin/env bash
# Simulates a fresh machine with Node and npm only (the README's promise): a clean clone of
# HEAD, no redis-server and no Chromium (their paths point nowhere, CI unset), then the
# README's two set-up commands. Passes when `npm ci && npm test` pass and the Redis and
# browser suites are reported as skipped with their install line.
#
#   bash scripts/fresh-machine.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
git clone -q . "$dir/repo"
cd "$dir/repo"
export REDIS_SERVER_BIN=/nonexistent/redis-server CHROMIUM_PATH=/nonexistent/chromium
unset CI
npm ci --no-audit --no-fund
npm test 2>&1 | tee "$dir/test.log"
grep -q "SKIPPED test/redis/\*\*: needs /nonexistent/redis-server. To run it: apt-get install -y redis-server" "$dir/test.log"
grep -q "SKIPPED test/browser/\*\*: needs /nonexistent/chromium. To run it: apt-get install -y chromium" "$dir/test.log"
echo "fresh machine: npm ci && npm test passed; Redis and browser suites skipped with their install lines"
