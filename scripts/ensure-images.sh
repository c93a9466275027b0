#!/usr/bin/env bash
# Makes sure the broker image for the integration tests exists, and prints its name (IMAGE:TAG) on stdout.
#
# One image serves all three brokers, from Debian bookworm's packages: ActiveMQ Classic 5.17, RabbitMQ 3.10
# and Mosquitto 2.0 (entrypoint: `umq-broker activemq|rabbitmq|mosquitto`). The official broker images are
# not used even where a registry answers: their versions, layouts and protocol sets differ (RabbitMQ 3.13+
# speaks MQTT 5, for instance), and the conformance matrix must not depend on which machine built the image.
#
# The tag is a hash of the recipe (this script and every file in test/support/brokers/, which are baked in),
# so the image is rebuilt only when the recipe changes and reused otherwise. Building:
#   1. a root filesystem with the packages, cached in /var/cache/umq/rootfs-HASH (keyed by the package list):
#      - if the Debian base image is present or can be pulled quickly (a registry answers), by installing the
#        packages in a container of it and exporting its filesystem;
#      - otherwise (no registry, as on this project's machines) offline with debootstrap from the machine's
#        own Debian mirror, read from /etc/apt/sources.list.d/debian.sources (never a hard-coded host);
#   2. the fixes and the configs from test/support/brokers/ copied into it;
#   3. `tar -C ROOTFS -c . | docker import`.
# Concurrent runs wait for each other (flock). Environment: UMQ_NO_PULL=1 skips the pull attempt;
# UMQ_BASE_IMAGE overrides the Debian base image (default debian:bookworm-slim); UMQ_CACHE_DIR the cache.
set -euo pipefail
cd "$(dirname "$0")/.."

NAME=unified-mq-brokers
SUITE=bookworm
PACKAGES="openjdk-17-jre-headless,activemq,libmqtt-client-java,libhawtdispatch-java,rabbitmq-server,mosquitto,procps"
CONFIG_DIR=test/support/brokers
RECIPE_HASH=$(for f in scripts/ensure-images.sh "$CONFIG_DIR"/*; do printf '== %s\n' "$f"; cat "$f"; done | sha256sum | cut -c1-12)
IMAGE="$NAME:$RECIPE_HASH"
CACHE=${UMQ_CACHE_DIR:-/var/cache/umq}

log() { echo "ensure-images: $*" >&2; }
die() { log "$*"; exit 1; }

image_exists() { docker image inspect "$IMAGE" >/dev/null 2>&1; }

if image_exists; then echo "$IMAGE"; exit 0; fi

mkdir -p "$CACHE"
exec 9>"$CACHE/ensure-images.lock"
flock -w 1800 9 || die "another build of the broker image holds $CACHE/ensure-images.lock for too long"
if image_exists; then echo "$IMAGE"; exit 0; fi # built by the run we waited for

[ "$(id -u)" = 0 ] || die "building the broker image needs root (debootstrap, chroot-owned files)"
started=$(date +%s)
BASE_HASH=$(echo "$SUITE $PACKAGES" | sha256sum | cut -c1-12)
BASE="$CACHE/rootfs-$BASE_HASH"

mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$uri" ] || die "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  echo "$uri"
}

# Path 1: a Debian base image, if one is here or a registry answers within a few seconds (it fails at once
# when registry DNS does not resolve).
rootfs_from_base_image() {
  local base_image=${UMQ_BASE_IMAGE:-debian:$SUITE-slim} mirror_uri cid
  [ "${UMQ_NO_PULL:-0}" = 1 ] && return 1
  if ! docker image inspect "$base_image" >/dev/null 2>&1; then
    timeout 60 docker pull -q "$base_image" >/dev/null 2>&1 || return 1
  fi
  mirror_uri=$(mirror)
  log "installing the brokers into a container of $base_image (from $mirror_uri)…"
  cid=$(docker create --entrypoint /bin/sh "$base_image" -c "
    set -e
    rm -f /etc/apt/sources.list.d/*
    echo 'deb $mirror_uri $SUITE main' > /etc/apt/sources.list
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(echo "$PACKAGES" | tr , ' ') >/dev/null
    apt-get clean")
  if ! docker start -a "$cid" >"$CACHE/base-image-build.log" 2>&1; then
    docker rm -f "$cid" >/dev/null 2>&1 || true
    log "installing into $base_image failed (see $CACHE/base-image-build.log); falling back to debootstrap"
    return 1
  fi
  mkdir -p "$BASE.tmp"
  docker export "$cid" | tar -C "$BASE.tmp" -x
  docker rm -f "$cid" >/dev/null 2>&1 || true
}

# shellcheck source=apt-get-waiting.sh
source "$(dirname "${BASH_SOURCE[0]}")/apt-get-waiting.sh"

rootfs_from_debootstrap() {
  local mirror_uri
  if ! command -v debootstrap >/dev/null 2>&1; then
    log "installing debootstrap…"
    # A concurrent apt run (npm test installs the browsers meanwhile) may hold a lock: wait for it.
    { apt_get update -qq && DEBIAN_FRONTEND=noninteractive apt_get install -y -qq debootstrap; } >/dev/null || die "apt-get install debootstrap failed"
  fi
  mirror_uri=$(mirror)
  log "debootstrapping $SUITE from $mirror_uri with $PACKAGES (about 2 minutes)…"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE.tmp" "$mirror_uri" >"$CACHE/debootstrap.log" 2>&1 \
    || die "debootstrap failed; see $CACHE/debootstrap.log"
}

if [ ! -f "$BASE/.complete" ]; then
  rm -rf "$BASE.tmp"
  rootfs_from_base_image || { rm -rf "$BASE.tmp"; rootfs_from_debootstrap; }
  # Package indexes and downloaded .debs only make the image bigger.
  rm -rf "$BASE.tmp/var/lib/apt/lists/"* "$BASE.tmp/var/cache/apt/archives/"*.deb
  # ActiveMQ's MQTT connector needs the fusesource MQTT codec and hawtdispatch on its classpath, otherwise:
  # NoClassDefFoundError: org/fusesource/mqtt/codec/PINGRESP.
  mkdir -p "$BASE.tmp/usr/share/activemq/lib/extra"
  for jar in mqtt-client.jar hawtdispatch.jar hawtdispatch-transport.jar; do
    [ -e "$BASE.tmp/usr/share/java/$jar" ] || die "the rootfs lacks /usr/share/java/$jar"
    ln -sf "/usr/share/java/$jar" "$BASE.tmp/usr/share/activemq/lib/extra/$jar"
  done
  touch "$BASE.tmp/.complete"
  rm -rf "$BASE"
  mv "$BASE.tmp" "$BASE"
fi

log "adding the configs and importing $IMAGE…"
rm -rf "$BASE/etc/umq"
mkdir -p "$BASE/etc/umq/activemq" "$BASE/etc/rabbitmq" "$BASE/var/lib/umq"
install -m 0644 "$CONFIG_DIR/activemq.xml" "$CONFIG_DIR/log4j.properties" "$BASE/etc/umq/activemq/"
install -m 0644 "$CONFIG_DIR/mosquitto.conf" "$BASE/etc/umq/mosquitto.conf"
# RabbitMQ reads these from /etc/rabbitmq: the plugins (STOMP, MQTT, AMQP 1.0, Web-STOMP, Web-MQTT) and
# loopback_users = none, so that guest/guest may connect through a mapped port.
install -m 0644 "$CONFIG_DIR/rabbitmq.conf" "$CONFIG_DIR/enabled_plugins" "$BASE/etc/rabbitmq/"
install -m 0755 "$CONFIG_DIR/umq-broker.sh" "$BASE/usr/local/bin/umq-broker"
# Whether ActiveMQ can serve AMQP: Debian's package leaves out the activemq-amqp module; an image that has it
# gets an AMQP connector (umq-broker.sh), and the tests run the AMQP-on-ActiveMQ suite on it.
if ls "$BASE/usr/share/activemq/lib" "$BASE/usr/share/activemq/lib/optional" 2>/dev/null | grep -q '^activemq-amqp'; then
  ACTIVEMQ_AMQP=true
else
  ACTIVEMQ_AMQP=false
fi
tar -C "$BASE" --exclude=./.complete -c . \
  | docker import --change 'ENTRYPOINT ["/usr/local/bin/umq-broker"]' --change "LABEL umq.activemq.amqp=$ACTIVEMQ_AMQP" \
      --message "unified-mq test brokers, recipe $RECIPE_HASH" - "$IMAGE" >/dev/null
# Images of older recipes only take disk space (one still used by a container stays; rmi refuses it). Only
# those a day old go: another checkout on the same engine (a branch with another recipe) may be using a newer one.
# (`docker images` has no `until` filter: the age is read from CreatedAt.)
day_ago=$(($(date +%s) - 86400))
docker images --format '{{.Repository}}:{{.Tag}}|{{.CreatedAt}}' "$NAME" 2>/dev/null | while IFS='|' read -r ref created; do
  [ "$ref" = "$IMAGE" ] && continue
  created_at=$(date -d "${created% *}" +%s 2>/dev/null) || continue
  [ "$created_at" -lt "$day_ago" ] && docker rmi "$ref" >/dev/null 2>&1
done || true
log "built $IMAGE in $(($(date +%s) - started)) s"
echo "$IMAGE"
