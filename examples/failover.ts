/**
 * Failover across an active/standby pair. Give the endpoints as a list (active first) or as one
 * ActiveMQ-style `failover:` URI; when the active broker dies, the client moves to the standby, restores its
 * consumers and re-sends what the dead broker had not confirmed. Nothing is lost.
 *
 * Two in-memory brokers sharing a MemoryStore behave like an ActiveMQ pair on a shared KahaDB: only the
 * holder of the store accepts connections. With real brokers, only the transport and the URLs change:
 *   connect({ transport: stomp(), endpoints: ['stomp+ssl://b-1.example:61614', 'stomp+ssl://b-2.example:61614'] })
 */
import { connect, type Client } from 'unified-mq';
import { MemoryBroker, MemoryStore, memory } from 'unified-mq/memory';

const store = new MemoryStore();
const active = new MemoryBroker({ name: 'active', store });
const standby = new MemoryBroker({ name: 'standby', store });
await active.start();
await standby.start();

const producer = await connect({ transport: memory(), endpoints: ['memory://active', 'memory://standby'] });
const consumer = await connect({
  transport: memory(),
  endpoints: 'failover:(memory://active,memory://standby)?randomize=false&maxReconnectDelay=1000',
});
console.log(`both connected to ${producer.endpoint} and ${consumer.endpoint}`);

const received = new Set<string>();
let allReceived!: () => void;
const done = new Promise<void>((resolve) => (allReceived = resolve));
await consumer.consume<string>('payments', (msg) => {
  received.add(msg.body); // a re-sent message is flagged msg.possibleDuplicate: dedupe by content or messageId
  if (received.size === 6) allReceived();
});

const failedOver = (client: Client) => new Promise<string>((resolve) => client.once('failover', ({ from, to }) => resolve(`${from} → ${to}`)));
const moves = Promise.all([failedOver(producer), failedOver(consumer)]);

for (let i = 1; i <= 6; i++) {
  if (i === 4) active.crash(); // the active broker dies mid-stream
  await producer.send('payments', `payment-${i}`, { persistent: true }); // resolves once a broker confirmed it
}

const [producerMove, consumerMove] = await moves;
console.log(`producer failed over ${producerMove}`);
console.log(`consumer failed over ${consumerMove}`);
await done;
console.log(`consumer received ${received.size} of 6 payments`);

await producer.close();
await consumer.close();
await standby.stop();
await active.stop();

// Output:
// both connected to memory://active and memory://active
// producer failed over memory://active → memory://standby
// consumer failed over memory://active → memory://standby
// consumer received 6 of 6 payments
