#!/usr/bin/env bash
# Makes sure the broker image exists, and prints its name.
#
# No container registry is reachable on this project's machines, so the image is built offline from
# Debian packages: debootstrap a root filesystem with ActiveMQ 5.17, RabbitMQ 3.10 and Mosquitto 2.0,
# add the configs from test/support/brokers/, and `docker import` it. The tag is a hash of this script
# and those configs, so the image is rebuilt only when the recipe changes. The debootstrapped base is
# cached in /var/cache/umq, keyed by its package list.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES="openjdk-17-jre-headless,activemq,libmqtt-client-java,libhawtdispatch-java,rabbitmq-server,mosquitto,procps"
SUITE=bookworm
NAME=unified-mq-brokers
RECIPE_HASH=$( (cat scripts/ensure-images.sh; cat test/support/brokers/*) | sha256sum | cut -c1-12)
IMAGE="$NAME:$RECIPE_HASH"

if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "$IMAGE"
  exit 0
fi

log() { echo "ensure-images: $*" >&2; }
started=$(date +%s)

BASE_HASH=$(echo "$SUITE $PACKAGES" | sha256sum | cut -c1-12)
CACHE=/var/cache/umq
BASE="$CACHE/rootfs-$BASE_HASH"
if [ ! -f "$BASE/.complete" ]; then
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >/dev/null; }
  # The machine's own Debian mirror, never a hard-coded host.
  MIRROR=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$MIRROR" ] || MIRROR=$(awk '/^deb / { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$MIRROR" ] || { log "cannot find the Debian mirror in /etc/apt/sources.list.d/debian.sources"; exit 1; }
  mkdir -p "$CACHE"
  rm -rf "$BASE.tmp"
  log "debootstrapping $SUITE with $PACKAGES (about 2 minutes)…"
  debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$BASE.tmp" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1 \
    || { log "debootstrap failed; see $CACHE/debootstrap.log"; exit 1; }
  rm -rf "$BASE.tmp/var/lib/apt/lists/"* "$BASE.tmp/var/cache/apt/archives/"*.deb
  # ActiveMQ's MQTT connector needs the fusesource MQTT codec and hawtdispatch on its classpath
  # (otherwise: NoClassDefFoundError org/fusesource/mqtt/codec/PINGRESP).
  mkdir -p "$BASE.tmp/usr/share/activemq/lib/extra"
  for jar in mqtt-client.jar hawtdispatch.jar hawtdispatch-transport.jar; do
    ln -sf "/usr/share/java/$jar" "$BASE.tmp/usr/share/activemq/lib/extra/$jar"
  done
  touch "$BASE.tmp/.complete"
  rm -rf "$BASE"
  mv "$BASE.tmp" "$BASE"
fi

log "adding the configs and importing $IMAGE…"
mkdir -p "$BASE/etc/umq/activemq" "$BASE/etc/rabbitmq" "$BASE/var/lib/umq"
cp test/support/brokers/activemq.xml test/support/brokers/log4j.properties "$BASE/etc/umq/activemq/"
cp test/support/brokers/rabbitmq.conf test/support/brokers/enabled_plugins "$BASE/etc/rabbitmq/"
cp test/support/brokers/mosquitto.conf "$BASE/etc/umq/mosquitto.conf"
cat > "$BASE/usr/local/bin/umq-broker" <<'SCRIPT'
#!/bin/sh
# Starts one broker in the foreground: umq-broker activemq | rabbitmq | mosquitto
set -e
case "$1" in
  activemq)
    mkdir -p /var/lib/umq/kahadb /tmp/activemq-data
    export ACTIVEMQ_USER=root ACTIVEMQ_CONF=/etc/umq/activemq ACTIVEMQ_DATA=/tmp/activemq-data \
      ACTIVEMQ_BASE=/usr/share/activemq ACTIVEMQ_PIDFILE=/tmp/activemq.pid
    export ACTIVEMQ_OPTS="-Xms128m -Xmx512m -Dlog4j.configuration=file:/etc/umq/activemq/log4j.properties"
    exec /usr/bin/activemq console xbean:file:/etc/umq/activemq/activemq.xml ;;
  rabbitmq)
    export HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- RABBITMQ_SASL_LOGS=-
    exec /usr/lib/rabbitmq/bin/rabbitmq-server ;;
  mosquitto)
    mkdir -p /var/lib/mosquitto
    exec /usr/sbin/mosquitto -c /etc/umq/mosquitto.conf ;;
  *) echo "usage: umq-broker activemq|rabbitmq|mosquitto" >&2; exit 2 ;;
esac
SCRIPT
chmod +x "$BASE/usr/local/bin/umq-broker"
tar -C "$BASE" --exclude=./.complete -c . | docker import --change 'ENTRYPOINT ["/usr/local/bin/umq-broker"]' - "$IMAGE" >/dev/null
# Older recipes' images only take disk space.
docker images --format '{{.Repository}}:{{.Tag}}' "$NAME" | grep -vx "$IMAGE" | xargs -r docker rmi >/dev/null 2>&1 || true
log "built $IMAGE in $(( $(date +%s) - started )) s"
echo "$IMAGE"
