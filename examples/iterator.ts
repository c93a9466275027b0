/**
 * Consuming with `for await`: call subscribe() or consume() without a handler to get an async iterable.
 * With the default ack 'auto', a message is acked when the loop asks for the next one, or leaves after it.
 * An AbortSignal (a shutdown, a deadline) ends the loop cleanly: the message in hand is finished and acked,
 * and messages the broker had pushed ahead go back to the queue for the next run.
 */
import { connect } from 'unified-mq';
import { MemoryBroker, memory } from 'unified-mq/memory';

const broker = new MemoryBroker({ name: 'iterator' });
await broker.start();
const client = await connect({ transport: memory(), endpoints: [broker.url] });
for (let i = 1; i <= 5; i++) await client.send('emails', `email-${i}`);

/** Sends emails until `signal` aborts. */
async function run(name: string, signal: AbortSignal): Promise<void> {
  const emails = client.consume<string>('emails', { prefetch: 1 });
  let sending = false;
  // An abort wakes a loop that waits for a message; a loop busy with one stops after it (below).
  signal.addEventListener('abort', () => void (sending || emails.close()), { once: true });
  for await (const email of emails) {
    sending = true;
    console.log(`${name} sent ${email.body}`);
    if (email.body === 'email-3') shutdown.abort(); // as if SIGTERM arrived while email-3 was being sent
    sending = false;
    if (signal.aborted) break; // email-3 is acked; anything the broker pushed ahead goes back to the queue
  }
  console.log(`${name} stopped`);
}

const shutdown = new AbortController(); // in a service: process.once('SIGTERM', () => shutdown.abort())
await run('first run', shutdown.signal);

const deadline = new AbortController();
setTimeout(() => deadline.abort(), 200);
await run('next run', deadline.signal); // stops 200 ms from now, idle by then

await client.close();
await broker.stop();

// Output:
// first run sent email-1
// first run sent email-2
// first run sent email-3
// first run stopped
// next run sent email-4
// next run sent email-5
// next run stopped
