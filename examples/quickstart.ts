/**
 * unified-mq on the embedded in-memory broker: no setup, no Docker.
 *   npm run demo
 * Swap `memory()` for `mqtt()`, `stomp()` or `amqp()` and the endpoints for your brokers; nothing else changes.
 */
import { connect, type Message } from 'unified-mq';
import { MemoryBroker, MemoryStore, memory } from 'unified-mq/memory';

const text = (m: Message) => new TextDecoder().decode(m.bytes);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const until = async (done: () => boolean) => { while (!done()) await sleep(5); };
const log = (section: string, line: string) => console.log(`[${section}] ${line}`);

async function main(): Promise<void> {
  // An active/standby pair sharing one store, like two ActiveMQ brokers on one KahaDB directory.
  const store = new MemoryStore();
  const active = new MemoryBroker({ name: 'active', store });
  const standby = new MemoryBroker({ name: 'standby', store });
  await active.start();
  await standby.start();
  log('brokers', `memory://active is ${active.status}, memory://standby is ${standby.status}`);

  const client = await connect({ transport: memory(), endpoints: ['memory://active', 'memory://standby'], heartbeatMs: 1000 });
  log('client', `connected to ${client.endpoint}`);

  // 1. Topic fan-out: every subscriber gets every message.
  const fanout: string[] = [];
  const s1 = await client.subscribe('orders.*', (m) => void fanout.push(`subscriber-1 got ${m.destination}: ${JSON.stringify(m.body)}`));
  const s2 = await client.subscribe('orders.#', (m) => void fanout.push(`subscriber-2 got ${m.destination}: ${JSON.stringify(m.body)}`));
  await client.publish('orders.created', { id: 7 }, { headers: { tenant: 'a' } });
  await until(() => fanout.length === 2);
  fanout.sort().forEach((line) => log('fan-out', line));
  await s1.unsubscribe();
  await s2.unsubscribe();

  // 2. A queue shared by two competing consumers: each job goes to exactly one of them.
  const byWorker = { A: 0, B: 0 };
  const a = await client.consume('jobs.resize', () => void byWorker.A++, { prefetch: 1 });
  const b = await client.consume('jobs.resize', () => void byWorker.B++, { prefetch: 1 });
  await Promise.all(Array.from({ length: 10 }, (_, i) => client.send('jobs.resize', `job-${i}`)));
  await until(() => byWorker.A + byWorker.B === 10);
  log('queue', `10 jobs split between workers: A=${byWorker.A}, B=${byWorker.B}`);
  await a.cancel();
  await b.cancel();

  // 3. Manual ack, and a nack that leads to redelivery.
  const seen: string[] = [];
  const manual = await client.consume('payments', async (m) => {
    if (!m.redelivered) {
      seen.push(`${text(m)}: first delivery, nack → requeue`);
      await m.nack({ requeue: true });
    } else {
      seen.push(`${text(m)}: redelivered=${m.redelivered}, ack`);
      await m.ack();
    }
  }, { ack: 'manual' });
  await client.send('payments', 'payment-42');
  await until(() => seen.length === 2);
  seen.forEach((line) => log('ack', line));
  await manual.cancel();

  // 4. Failover while a producer keeps publishing: the active broker crashes mid-stream.
  client.on('disconnected', ({ endpoint, error }) => log('failover', `lost ${endpoint}: ${error.message}`));
  client.on('failover', ({ from, to, downtimeMs }) => log('failover', `failed over ${from} → ${to} in ${downtimeMs} ms`));
  client.on('resubscribed', ({ count }) => log('failover', `restored ${count} consumer(s)`));
  const received = new Map<number, number>();
  let flagged = 0;
  await client.consume('events', (m) => {
    const i = Number(text(m));
    if (received.has(i) && m.possibleDuplicate) flagged++;
    received.set(i, (received.get(i) ?? 0) + 1);
  }, { prefetch: 50 });
  const total = 2000;
  const confirms: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    confirms.push(client.send('events', String(i), { persistent: true }));
    if (i === total / 2) {
      await sleep(5);
      log('failover', `crashing memory://active after ${i} sends…`);
      active.crash();
    }
  }
  await Promise.all(confirms);
  await until(() => received.size === total);
  const duplicates = [...received.values()].reduce((sum, n) => sum + n - 1, 0);
  log('failover', `${total} sent and confirmed, ${received.size} distinct received, 0 lost, ${duplicates} duplicate(s), ${flagged} flagged`);
  log('client', `now on ${client.endpoint} (${client.state})`);

  await client.close();
  await active.stop();
  await standby.stop();
  log('client', 'closed');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

// Output:
// [brokers] memory://active is active, memory://standby is standby
// [client] connected to memory://active
// [fan-out] subscriber-1 got orders.created: {"id":7}
// [fan-out] subscriber-2 got orders.created: {"id":7}
// [queue] 10 jobs split between workers: A=..., B=...
// [ack] payment-42: first delivery, nack → requeue
// [ack] payment-42: redelivered=true, ack
// [failover] crashing memory://active after 1000 sends…
// [failover] lost memory://active: memory://active crashed (connection reset)
// [failover] restored 1 consumer(s)
// [failover] failed over memory://active → memory://standby in ... ms
// [failover] 2000 sent and confirmed, 2000 distinct received, 0 lost, ... duplicate(s), ... flagged
// [client] now on memory://standby (connected)
// [client] closed
