#!/usr/bin/env bash
# Installs everything the tests need on a fresh Debian machine: Debian's Chromium (when absent) and the
# npm packages (npm ci). Idempotent. Used by the README's test command and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use as a person would: Chromium (browser tests), promtool from prometheus (the
# /metrics check), pebble and pebble-challtestsrv from pebble (a local ACME CA for the certificate test), and the
# S3 clients the gateway tests drive (rclone, restic, s3cmd, and the AWS CLI from awscli; any `aws` on PATH counts),
# and ffmpeg (it encodes the real, seekable video the streaming test plays; without its recommended packages).
# Installed only when missing, with one apt-get update.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/promtool ] || missing+=(prometheus)
{ [ -x /usr/bin/pebble ] && [ -x /usr/bin/pebble-challtestsrv ]; } || missing+=(pebble)
for tool in rclone restic s3cmd; do command -v "$tool" >/dev/null || missing+=("$tool"); done
command -v aws >/dev/null || missing+=(awscli)
lean=()
command -v ffmpeg >/dev/null || lean+=(ffmpeg)
if [ $((${#missing[@]} + ${#lean[@]})) -gt 0 ]; then
  all="${missing[*]} ${lean[*]}"
  echo "Installing Debian packages for the tests: ${all}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "Need root to install ${all}; run: sudo apt-get update && sudo apt-get install -y ${all}" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  [ ${#missing[@]} -eq 0 ] || apt-get install -y -qq "${missing[@]}" >/dev/null
  [ ${#lean[@]} -eq 0 ] || apt-get install -y -qq --no-install-recommends "${lean[@]}" >/dev/null
fi

npm ci --no-audit --no-fund
