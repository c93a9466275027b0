#!/bin/sh
# Entrypoint of the test broker image (baked in by scripts/ensure-images.sh as /usr/local/bin/umq-broker).
#   umq-broker activemq | rabbitmq | mosquitto
# Each broker runs in the foreground and logs to stdout/stderr, so the container log shows readiness.
# ActiveMQ and Mosquitto are exec'd (PID 1), so `docker stop` (SIGTERM) reaches them and they shut down
# gracefully; RabbitMQ's own start script forwards SIGTERM to the Erlang VM.
set -eu
case "${1:-}" in
  activemq)
    # KahaDB lives in /var/lib/umq/kahadb: the active/standby pair bind-mounts one host directory at /var/lib/umq.
    mkdir -p /var/lib/umq/kahadb /tmp/activemq
    conf=/etc/umq/activemq
    if ls /usr/share/activemq/lib /usr/share/activemq/lib/optional 2>/dev/null | grep -q '^activemq-amqp'; then
      # The AMQP module is there: serve AMQP 1.0 on 5672 too (a copy of the config with one more connector).
      mkdir -p /tmp/umq-activemq && cp /etc/umq/activemq/* /tmp/umq-activemq/ && conf=/tmp/umq-activemq
      sed -i 's|<transportConnector name="mqtt"|<transportConnector name="amqp" uri="amqp://0.0.0.0:5672"/>\n      &|' "$conf/activemq.xml"
      echo "umq-broker: ActiveMQ serves AMQP on 5672"
    fi
    # Java directly, not Debian's /usr/bin/activemq: that script re-reads /usr/share/activemq/activemq-options
    # (fixed 512 MB heap, its own ACTIVEMQ_BASE) and keeps a shell as PID 1 that does not forward SIGTERM.
    # The --add-opens are the ones that script passes for Java 17.
    exec /usr/lib/jvm/default-java/bin/java \
      -Xms64m -Xmx"${UMQ_ACTIVEMQ_HEAP:-512m}" -XX:+UseSerialGC -Xshare:auto \
      -Djava.awt.headless=true -Djava.io.tmpdir=/tmp/activemq \
      -Dorg.apache.activemq.UseDedicatedTaskRunner=false \
      --add-reads=java.xml=java.logging \
      --add-opens=java.base/java.security=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED \
      --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
      --add-opens=java.naming/javax.naming.spi=ALL-UNNAMED --add-opens=java.rmi/sun.rmi.transport.tcp=ALL-UNNAMED \
      --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED \
      --add-exports=java.base/sun.net.www.protocol.http=ALL-UNNAMED --add-exports=java.base/sun.net.www.protocol.https=ALL-UNNAMED \
      --add-exports=java.base/sun.net.www.protocol.jar=ALL-UNNAMED --add-exports=jdk.xml.dom/org.w3c.dom.html=ALL-UNNAMED \
      --add-exports=jdk.naming.rmi/com.sun.jndi.url.rmi=ALL-UNNAMED \
      -Dactivemq.classpath="$conf" -Dactivemq.home=/usr/share/activemq -Dactivemq.base=/usr/share/activemq \
      -Dactivemq.conf="$conf" -Dactivemq.data=/tmp/activemq \
      -Dlog4j.configuration="file:$conf/log4j.properties" \
      -jar /usr/share/activemq/bin/activemq.jar start "xbean:file:$conf/activemq.xml" ;;
  rabbitmq)
    export HOME=/var/lib/rabbitmq RABBITMQ_LOGS=- RABBITMQ_SASL_LOGS=-
    exec /usr/lib/rabbitmq/bin/rabbitmq-server ;;
  mosquitto)
    mkdir -p /var/lib/mosquitto && chown mosquitto: /var/lib/mosquitto 2>/dev/null || true
    exec /usr/sbin/mosquitto -c /etc/umq/mosquitto.conf ;;
  *)
    echo "usage: umq-broker activemq|rabbitmq|mosquitto" >&2
    exit 2 ;;
esac
