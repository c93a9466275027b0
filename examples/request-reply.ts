/**
 * Request/reply on the embedded in-memory broker: a price service and a client asking it, through a
 * failover of the active broker.   npx tsx examples/request-reply.ts
 * The same code runs on STOMP, AMQP 1.0 and MQTT 5: swap memory() and the endpoints.
 */
import { connect, TimeoutError } from 'unified-mq';
import { MemoryBroker, MemoryStore, memory } from 'unified-mq/memory';

const store = new MemoryStore();
const active = new MemoryBroker({ name: 'active', store });
const standby = new MemoryBroker({ name: 'standby', store });
await active.start();
await standby.start();
const endpoints = ['memory://active', 'memory://standby'];

// The service: each request's return value goes back to its requester. Delivery is at-least-once, so
// a request may come twice after a failover (msg.possibleDuplicate); pricing is idempotent.
const service = await connect({ transport: memory(), endpoints, heartbeatMs: 1000 });
await service.serve<{ sku: number }>('prices.quote', (msg) => ({ sku: msg.body.sku, price: 10 + msg.body.sku }));
console.log('service: serving prices.quote');

const client = await connect({ transport: memory(), endpoints, heartbeatMs: 1000 });
const reply = await client.request('prices.quote', { sku: 7 }, { timeoutMs: 5_000 });
console.log('client: one request ->', reply.body);

// Many requests in flight share one reply address; each reply finds its request by correlationId.
const many = await Promise.all(Array.from({ length: 100 }, (_, sku) => client.request<{ price: number }>('prices.quote', { sku })));
console.log(`client: 100 concurrent requests -> ${many.length} replies, the last price ${many[99]!.body.price}`);

// The active broker dies with requests in flight: they complete on the standby.
const inFlight = Array.from({ length: 100 }, (_, sku) => client.request('prices.quote', { sku }, { timeoutMs: 10_000 }));
active.crash();
console.log(`client: active broker crashed; ${(await Promise.all(inFlight)).length} requests completed after the failover to ${client.endpoint}`);

// Nobody serves this queue: the request ends with TimeoutError after timeoutMs.
try {
  await client.request('nobody.home', 'hello?', { timeoutMs: 200 });
} catch (error) {
  console.log('client: unanswered request ->', error instanceof TimeoutError ? 'TimeoutError' : error);
}

await client.close();
await service.close();
await standby.stop();
await active.stop();

// Output:
// service: serving prices.quote
// client: one request -> { sku: 7, price: 17 }
// client: 100 concurrent requests -> 100 replies, the last price 109
// client: active broker crashed; 100 requests completed after the failover to memory://standby
// client: unanswered request -> TimeoutError
