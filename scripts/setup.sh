#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: Debian's Chromium (when absent) and the
# npm packages (npm ci). Idempotent. Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's Chromium for the browser tests"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Need root to install chromium (apt-get install -y chromium); run: sudo apt-get update && sudo apt-get install -y chromium" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

npm ci --no-audit --no-fund
