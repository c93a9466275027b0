#!/usr/bin/env bash
# Makes sure a Docker engine answers, for the integration tests (their global setup runs this).
# - `docker info` answers: nothing to do, nothing printed.
# - Otherwise (as root): installs docker.io from Debian if dockerd or the docker CLI is missing, starts dockerd
#   in the background (log: /var/log/dockerd.log; it outlives the test run) and waits up to 60 s for it.
# - If that fails, exits non-zero saying so, and that `npm run test:unit` runs without Docker.
set -euo pipefail

LOG=${UMQ_DOCKERD_LOG:-/var/log/dockerd.log}
WAIT_S=${UMQ_DOCKER_WAIT_S:-60}

fail() {
  echo "ensure-docker: Docker could not be started: $*" >&2
  echo "ensure-docker: the integration tests need a Docker engine; 'npm run test:unit' is the subset that runs without Docker." >&2
  exit 1
}

answers() { timeout 10 docker info >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then exit 0; fi

if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || fail "it is not installed, and installing it (apt-get install docker.io) needs root"
  command -v apt-get >/dev/null 2>&1 || fail "it is not installed, and this is not a Debian system (no apt-get)"
  echo "ensure-docker: installing docker.io from Debian…" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null 2>&1 || fail "apt-get update failed"
  apt-get install -y -qq docker.io >/dev/null 2>&1 || fail "apt-get install -y docker.io failed"
fi

dockerd_running() {
  if command -v pgrep >/dev/null 2>&1; then pgrep -x dockerd >/dev/null 2>&1; else grep -qsx dockerd /proc/[0-9]*/comm; fi
}

pid=
if ! dockerd_running; then
  [ "$(id -u)" = 0 ] || fail "dockerd is not running, and starting it needs root"
  echo "ensure-docker: starting dockerd (log: $LOG)…" >&2
  # setsid + nohup: the engine must outlive the test run that started it, without holding its terminal.
  setsid nohup dockerd >>"$LOG" 2>&1 </dev/null &
  pid=$!
fi

deadline=$((SECONDS + WAIT_S))
while [ "$SECONDS" -lt "$deadline" ]; do
  if answers; then exit 0; fi
  # A dockerd that died (e.g. no iptables, no cgroups) will not answer: say so now, not in a minute.
  if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
    fail "dockerd exited at once; the end of $LOG:
$(tail -n 15 "$LOG" 2>/dev/null)"
  fi
  sleep 0.5
done
fail "dockerd did not answer within $WAIT_S s (see $LOG)"
