#!/usr/bin/env bash
# The dashboard in a real browser: starts the debug server on a fresh, seeded SQLite database
# and drives Debian's Chromium (headless) with playwright-core. Screenshots go to
# $BROWSER_OUT (default target/browser).
set -euo pipefail
cd "$(dirname "$0")/../.."
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "Chromium is not installed: apt-get install -y chromium fonts-noto-cjk" >&2
  exit 1
fi
target_dir=${CARGO_TARGET_DIR:-target}
case "$target_dir" in /*) ;; *) target_dir="$PWD/$target_dir" ;; esac
export CHROMIUM BROWSER_OUT=${BROWSER_OUT:-$target_dir/browser}
(cd tests/browser && npm ci --no-fund --no-audit --loglevel=error)
source .ci/demo-server.sh
node tests/browser/dashboard.test.mjs
