/**
 * A work queue: competing consumers, each job to exactly one worker. With `ack: 'manual'` a job stays on
 * the broker until the worker acks it; `nack()` hands it back for another try, `nack({ requeue: false })`
 * gives up on it (the broker discards it or moves it to its dead-letter queue). `prefetch` bounds how many
 * unacknowledged jobs the broker pushes to a worker at once.
 */
import { connect, type MessageHandler } from 'unified-mq';
import { MemoryBroker, memory } from 'unified-mq/memory';

const broker = new MemoryBroker({ name: 'work' });
await broker.start();
const client = await connect({ transport: memory(), endpoints: [broker.url] });

const outcomes: string[] = [];
let finished!: () => void;
const allSettled = new Promise<void>((resolve) => (finished = resolve));
const settled = (line: string) => {
  outcomes.push(line);
  if (outcomes.length === 5) finished();
};

const resize: MessageHandler<string> = async (job) => {
  if (job.body === 'corrupt.png') {
    await job.nack({ requeue: false }); // poison: never retried
    settled(`${job.body}: rejected`);
  } else if (job.body === 'flaky.png' && !job.redelivered) {
    await job.nack(); // a transient failure: the broker redelivers it, flagged `redelivered`
  } else {
    await job.ack();
    settled(`${job.body}: done${job.redelivered ? ' on the second try' : ''}`);
  }
};

// Two workers on one queue; in production they would be two processes.
await client.consume('jobs.resize', resize, { ack: 'manual', prefetch: 1 });
await client.consume('jobs.resize', resize, { ack: 'manual', prefetch: 1 });

for (const file of ['a.png', 'b.png', 'flaky.png', 'corrupt.png', 'c.png']) {
  await client.send('jobs.resize', file, { persistent: true });
}

await allSettled;
for (const line of outcomes.sort()) console.log(line);
await client.close();
await broker.stop();

// Output:
// a.png: done
// b.png: done
// c.png: done
// corrupt.png: rejected
// flaky.png: done on the second try
