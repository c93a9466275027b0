#!/usr/bin/env bash
# Makes sure Debian's qpid-proton (python3-qpid-proton), an AMQP 1.0 client independent of rhea, can be
# imported by /usr/bin/python3, for the interoperability tests (test/integration/amqp-interop-proton.test.ts).
# Debian's python3, not whatever `python3` is first on PATH: a pyenv python does not see Debian's packages.
# - It imports: nothing to do, nothing printed.
# - Otherwise (as root, on Debian): apt-get install -y python3-qpid-proton.
# - If that fails, exits non-zero saying so.
set -euo pipefail

PYTHON=/usr/bin/python3
fail() { echo "ensure-qpid-proton: $*" >&2; exit 1; }
imports() { "$PYTHON" -c 'import proton, proton.utils' >/dev/null 2>&1; }

if imports; then exit 0; fi
[ -x "$PYTHON" ] || fail "$PYTHON is missing; the interoperability tests run qpid-proton with Debian's python3"
[ "$(id -u)" = 0 ] || fail "python3-qpid-proton is not installed, and installing it (apt-get install python3-qpid-proton) needs root"
command -v apt-get >/dev/null 2>&1 || fail "python3-qpid-proton is not installed, and this is not a Debian system (no apt-get)"
echo "ensure-qpid-proton: installing python3-qpid-proton from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
# shellcheck source=apt-get-waiting.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-get-waiting.sh"
apt_get update -qq >/dev/null 2>&1 || fail "apt-get update failed"
apt_get install -y -qq python3-qpid-proton >/dev/null 2>&1 || fail "apt-get install -y python3-qpid-proton failed"
imports || fail "python3-qpid-proton was installed but $PYTHON cannot import proton"
