#!/usr/bin/env bash
# Makes sure a Docker engine answers. Installs docker.io from Debian and starts dockerd when needed.
# Idempotent and quiet when the engine already runs.
set -euo pipefail

fail() {
  echo "ensure-docker: $*" >&2
  echo "ensure-docker: the integration tests need a Docker engine; 'npm run test:unit' is the subset that runs without Docker." >&2
  exit 1
}

if docker info >/dev/null 2>&1; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "dockerd is not installed and we are not root to install it (apt-get install docker.io)"
  echo "ensure-docker: installing docker.io from Debian…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || fail "apt-get update failed"
  apt-get install -y -qq docker.io >/dev/null || fail "apt-get install docker.io failed"
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "dockerd is not running and we are not root to start it"
  echo "ensure-docker: starting dockerd…" >&2
  # setsid: the engine must outlive the test run that started it, but not hold its terminal.
  setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 0.5
done
fail "dockerd did not answer within 60 s (see /var/log/dockerd.log)"
