/**
 * Publish/subscribe with wildcards: `*` matches exactly one segment, `#` zero or more trailing ones.
 * Every subscription whose pattern matches gets its own copy of the message.
 */
import { connect, type MessageHandler } from 'unified-mq';
import { MemoryBroker, memory } from 'unified-mq/memory';

const broker = new MemoryBroker({ name: 'pubsub' });
await broker.start();
const client = await connect({ transport: memory(), endpoints: [broker.url] });

const received: string[] = [];
let allReceived!: () => void;
const done = new Promise<void>((resolve) => (allReceived = resolve));
const record = (pattern: string): MessageHandler<{ id: number }> => (msg) => {
  received.push(`${pattern.padEnd(9)} got ${msg.destination} #${msg.body.id}`);
  if (received.length === 6) allReceived();
};

await client.subscribe('orders.*', record('orders.*'));
await client.subscribe('orders.#', record('orders.#'));
await client.subscribe('*.eu.#', record('*.eu.#'));

await client.publish('orders', { id: 1 });
await client.publish('orders.created', { id: 2 });
await client.publish('orders.eu.created', { id: 3 }, { headers: { tenant: 'eu' } });
await client.publish('invoices.eu', { id: 4 });

await done;
for (const line of received.sort()) console.log(line);
await client.close();
await broker.stop();

// Output:
// *.eu.#    got invoices.eu #4
// *.eu.#    got orders.eu.created #3
// orders.#  got orders #1
// orders.#  got orders.created #2
// orders.#  got orders.eu.created #3
// orders.*  got orders.created #2
