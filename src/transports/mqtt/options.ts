export interface MqttTransportOptions {
  /** 4 = MQTT 3.1.1 (default; ActiveMQ and RabbitMQ speak only this), 5 = MQTT 5 (Mosquitto, EMQX, HiveMQ…). */
  protocolVersion?: 4 | 5;
  /**
   * MQTT 5 session expiry in seconds (default 3600). The session is persistent (clean start off), so
   * QoS 1 messages that arrive while the client fails over are kept for it.
   */
  sessionExpirySeconds?: number;
  /** MQTT 5 receive maximum: QoS 1 messages the broker may have in flight to this connection (default 100). */
  receiveMaximum?: number;
  /** The shared-subscription group used for queues on MQTT 5 (default "unified-mq"). */
  queueGroup?: string;
  /** The topic prefix that keeps queues apart from topics on MQTT 5 (default "queues"). */
  queuePrefix?: string;
}
