/**
 * Amazon MQ for ActiveMQ: the endpoints of an active/standby broker, built from its id and region, for
 * each protocol. Connecting is then one call; here the connect options are only printed, since the broker
 * id below is Amazon's documentation example. See docs/amazon-mq.md.
 */
import { amazonMqEndpoints, InvalidArgumentError, type ConnectOptions } from 'unified-mq';

const brokerId = 'b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9';
const region = 'eu-west-1';

// -1 is listed first, -2 second; only the active one accepts connections, and the client finds it.
for (const protocol of ['stomp', 'amqp', 'mqtt', 'stomp-wss'] as const) {
  console.log(protocol.padEnd(9), amazonMqEndpoints({ brokerId, region, protocol }).join('  '));
}
console.log('single   ', amazonMqEndpoints({ brokerId, region, protocol: 'stomp', deployment: 'single-instance' }).join('  '));

// What a real application passes to connect() together with `transport: stomp()` from 'unified-mq/stomp'.
const options: Omit<ConnectOptions, 'transport'> = {
  endpoints: amazonMqEndpoints({ brokerId, region, protocol: 'stomp' }),
  username: 'app',
  password: process.env.MQ_PASSWORD ?? 'secret',
};
console.log(`connect to ${options.endpoints.length} endpoints as ${options.username}`);

// OpenWire is Amazon MQ's fifth listener, and not a protocol this package speaks.
try {
  amazonMqEndpoints({ brokerId, region, protocol: 'openwire' as never });
} catch (error) {
  console.log(error instanceof InvalidArgumentError ? `InvalidArgumentError: ${error.message}` : error);
}

// Output:
// stomp     stomp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.eu-west-1.amazonaws.com:61614  stomp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-2.mq.eu-west-1.amazonaws.com:61614
// amqp      amqp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.eu-west-1.amazonaws.com:5671  amqp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-2.mq.eu-west-1.amazonaws.com:5671
// mqtt      mqtt+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.eu-west-1.amazonaws.com:8883  mqtt+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-2.mq.eu-west-1.amazonaws.com:8883
// stomp-wss wss://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.eu-west-1.amazonaws.com:61619  wss://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-2.mq.eu-west-1.amazonaws.com:61619
// single    stomp+ssl://b-1234a5b6-78cd-901e-2fgh-3i45j6k178l9-1.mq.eu-west-1.amazonaws.com:61614
// connect to 2 endpoints as app
// InvalidArgumentError: Option "protocol" "openwire" (OpenWire, port 61617) is not offered here: unified-mq speaks MQTT, STOMP and AMQP 1.0; use one of mqtt, stomp, amqp, mqtt-wss, stomp-wss
