# Sourced by the ensure-*.sh scripts: apt_get, which is apt-get waiting while another apt run holds a lock.
# npm test installs the browsers and qpid-proton while the broker image build installs debootstrap, and
# DPkg::Lock::Timeout covers dpkg's lock only, not `apt-get update`'s, hence the retry (up to 5 minutes).
apt_get() {
  local out i
  for i in $(seq 1 150); do
    if out=$(apt-get -o DPkg::Lock::Timeout=300 "$@" 2>&1); then return 0; fi
    grep -q 'Could not get lock\|Unable to lock' <<<"$out" || { echo "$out" >&2; return 1; }
    sleep 2
  done
  return 1
}
