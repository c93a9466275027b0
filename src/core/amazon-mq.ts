/**
 * Endpoint lists for Amazon MQ for ActiveMQ brokers, built from the broker id and region.
 *
 * Amazon's documented form (Amazon MQ Developer Guide, "Amazon MQ for ActiveMQ brokers", wire-level
 * protocol endpoints: https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-basic-elements.html):
 *   amqp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.us-east-2.amazonaws.com:5671
 *   mqtt+ssl://…-1.mq.us-east-2.amazonaws.com:8883
 *   ssl://…-1.mq.us-east-2.amazonaws.com:61617            (OpenWire)
 *   stomp+ssl://…-1.mq.us-east-2.amazonaws.com:61614
 *   wss://…-1.mq.us-east-2.amazonaws.com:61619            (MQTT and STOMP over WebSocket)
 * "For an active/standby broker […] Amazon MQ provides two endpoints for each wire-level protocol, but only
 * one endpoint is active in each pair at a time. The -1 and -2 suffixes denote a redundant pair." A
 * single-instance broker has the one `-1` endpoint. Every endpoint is TLS only.
 */
import { InvalidArgumentError } from './errors.js';

/** A protocol's listener on an Amazon MQ for ActiveMQ broker; `-wss` is the protocol over WebSocket (port 61619). */
export type AmazonMqProtocol = 'mqtt' | 'stomp' | 'amqp' | 'mqtt-wss' | 'stomp-wss';
/** An active/standby pair (two endpoints) or a single-instance broker (one). */
export type AmazonMqDeployment = 'active-standby' | 'single-instance';

/** What {@link amazonMqEndpoints} builds the endpoint URLs from. */
export interface AmazonMqEndpointOptions {
  /** The broker id from the console or `aws mq list-brokers`: `b-` and a UUID, e.g. `b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9`. */
  brokerId: string;
  /** The AWS region, e.g. `eu-west-1`. */
  region: string;
  /** Which listener: `stomp`, `amqp`, `mqtt`, or `stomp-wss`/`mqtt-wss` over WebSocket. */
  protocol: AmazonMqProtocol;
  /** `active-standby` (default): the `-1`/`-2` pair, active first. `single-instance`: the one broker. */
  deployment?: AmazonMqDeployment;
}

/** Scheme and port of each protocol's TLS listener (the table above). */
const LISTENERS: Readonly<Record<AmazonMqProtocol, { scheme: string; port: number }>> = {
  mqtt: { scheme: 'mqtt+ssl', port: 8883 },
  stomp: { scheme: 'stomp+ssl', port: 61614 },
  amqp: { scheme: 'amqp+ssl', port: 5671 },
  'mqtt-wss': { scheme: 'wss', port: 61619 },
  'stomp-wss': { scheme: 'wss', port: 61619 },
};

const PROTOCOLS = Object.keys(LISTENERS) as AmazonMqProtocol[];
// Amazon's own example id holds letters past f (`2fgh`, `3i45j6k178l9`): five groups of 8-4-4-4-12
// lower-case letters and digits, as the console shows them.
const BROKER_ID = /^b-[0-9a-z]{8}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{12}$/;
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/;

/**
 * The endpoint URLs of an Amazon MQ for ActiveMQ broker for one protocol, active first: pass them to
 * `connect({ endpoints })` with the matching transport. Throws InvalidArgumentError on bad input.
 *
 *   amazonMqEndpoints({ brokerId: 'b-1234a5b6-…', region: 'eu-west-1', protocol: 'stomp' })
 *   // ['stomp+ssl://b-1234a5b6-…-1.mq.eu-west-1.amazonaws.com:61614', 'stomp+ssl://b-1234a5b6-…-2.mq.eu-west-1.amazonaws.com:61614']
 */
export function amazonMqEndpoints(options: AmazonMqEndpointOptions): string[] {
  if (!options || typeof options !== 'object') {
    throw new InvalidArgumentError('amazonMqEndpoints() needs { brokerId, region, protocol, deployment? }');
  }
  const { brokerId, region, protocol } = options;
  const deployment = options.deployment ?? 'active-standby';
  if ((protocol as string) === 'openwire' || (protocol as string) === 'ssl') {
    throw InvalidArgumentError.format('protocol', `"${protocol}" (OpenWire, port 61617) is not offered here: unified-mq speaks MQTT, STOMP and AMQP 1.0; use one of ${PROTOCOLS.join(', ')}`);
  }
  if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol)) {
    throw InvalidArgumentError.format('protocol', `must be one of ${PROTOCOLS.join(', ')}, got ${JSON.stringify(protocol)}`);
  }
  if (typeof brokerId !== 'string' || !BROKER_ID.test(brokerId)) {
    throw InvalidArgumentError.format(
      'brokerId',
      `must be an Amazon MQ broker id, "b-" and a UUID such as "b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9" (not a host name or an ARN), got ${JSON.stringify(brokerId)}`,
    );
  }
  if (typeof region !== 'string' || region.trim() === '') {
    throw InvalidArgumentError.format('region', `must be an AWS region such as "eu-west-1", got ${JSON.stringify(region)}`);
  }
  if (!REGION.test(region)) {
    throw InvalidArgumentError.format('region', `must be an AWS region such as "eu-west-1" (lower case, no spaces), got ${JSON.stringify(region)}`);
  }
  if (deployment !== 'active-standby' && deployment !== 'single-instance') {
    throw InvalidArgumentError.format('deployment', `must be 'active-standby' or 'single-instance', got ${JSON.stringify(deployment)}`);
  }
  const { scheme, port } = LISTENERS[protocol];
  const url = (suffix: number) => `${scheme}://${brokerId}-${suffix}.mq.${region}.amazonaws.com:${port}`;
  return deployment === 'single-instance' ? [url(1)] : [url(1), url(2)];
}
