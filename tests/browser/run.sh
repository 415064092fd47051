#!/usr/bin/env bash
# The real-browser test of the HTML report (issue 13): Debian's Chromium
# driven by npm playwright-core. Installs chromium when /usr/bin/chromium is
# missing (apt, as root), installs the locked npm packages, builds the
# release binary if needed, renders the example corpus's report and runs
# the DOM checks (tests/browser/check.mjs). Saves target/html-report.png.
#
#   bash tests/browser/run.sh                # the checks
#   bash tests/browser/run.sh --screenshot   # also regenerate docs/report.png
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ]; then
  echo "installing Debian's chromium"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error)

# The release binary, rebuilt when any source is newer.
bin=target/release/neardup
if [ ! -x "$bin" ] || [ -n "$(find src Cargo.toml Cargo.lock -newer "$bin" -print -quit)" ]; then
  cargo build --release --locked
fi

extra=()
if [ "${1:-}" = "--screenshot" ]; then
  extra=(--screenshot docs/report.png)
fi
node tests/browser/check.mjs --bin "$bin" --out target/browser "${extra[@]}"
