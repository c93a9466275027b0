#!/usr/bin/env bash
# Makes sure the browsers of the browser tests are installed (their test file runs this, as the integration
# global setup runs ensure-docker.sh): Debian's `chromium` and `firefox-esr`, and `certutil` (libnss3-tools),
# which puts the tests' throwaway CA into each browser's own certificate store for the wss:// cases.
# - All present: nothing to do, nothing printed.
# - Otherwise (as root, on Debian): apt-get installs what is missing. Nothing is ever downloaded from a
#   browser vendor (no `playwright install`): the tests drive the distribution's builds.
# - If that fails, exits non-zero saying what is missing.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v firefox-esr >/dev/null 2>&1 || need+=(firefox-esr)
command -v certutil >/dev/null 2>&1 || need+=(libnss3-tools)
[ "${#need[@]}" -eq 0 ] && exit 0

fail() {
  echo "ensure-browsers: could not install ${need[*]}: $*" >&2
  echo "ensure-browsers: the browser tests need Debian's chromium, firefox-esr and libnss3-tools (apt-get install -y ${need[*]})." >&2
  exit 1
}

[ "$(id -u)" = 0 ] || fail "installing them needs root"
command -v apt-get >/dev/null 2>&1 || fail "this is not a Debian system (no apt-get)"
echo "ensure-browsers: installing ${need[*]} from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=apt-get-waiting.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-get-waiting.sh"
apt_get update -qq >/dev/null 2>&1 || fail "apt-get update failed"
apt_get install -y -qq "${need[@]}" >/dev/null 2>&1 || fail "apt-get install -y ${need[*]} failed"
