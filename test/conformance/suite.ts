/**
 * The conformance suite: one set of cases, run by every transport × broker combination.
 *
 * A fixture file (`test/conformance/<transport>-<broker>.test.ts`) calls `runConformance(fixture)`.
 * The fixture says how to reach the broker and which capabilities the combination lacks; the suite
 * never skips a lacking capability: it checks that the operation fails with UnsupportedError instead.
 * Cases follow Watermill's universal pub/sub tests, plus wildcards, failover, buffer bounds, close
 * semantics and error types.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BufferOverflowError,
  ClosedError,
  connect,
  DecodeError,
  InvalidDestinationError,
  PayloadTooLargeError,
  TimeoutError,
  UnsupportedError,
  type Client,
  type ConnectOptions,
  type Message,
  type PublishOptions,
  type Transport,
} from '../../src/index.js';
import { collect, eventually, randomName, sleep } from '../support/wait.js';

export type Capability = 'queues' | 'wildcards' | 'headers' | 'nack' | 'priority' | 'ttl' | 'durableSubscriptions' | 'binaryBodies';

export interface BrokerTarget {
  endpoints: string[];
  username?: string;
  password?: string;
}

export interface PairTarget extends BrokerTarget {
  /** Kills the active broker (SIGKILL, or crash() in memory). */
  killActive(): Promise<void>;
  dispose(): Promise<void>;
}

export interface OutageTarget extends BrokerTarget {
  /** Makes the broker unreachable (connections drop, new ones are refused). */
  down(): Promise<void>;
  /** Brings it back with its persistent state. */
  up(): Promise<void>;
  dispose(): Promise<void>;
}

export interface ConformanceFixture {
  name: string;
  transport: () => Transport;
  /** The shared broker for the ordinary cases. */
  broker(): Promise<BrokerTarget>;
  /** Capabilities this combination lacks. */
  lacks: Capability[];
  /** An active/standby pair for the failover case (one per run of that case). */
  pair?: () => Promise<PairTarget>;
  /** A broker the suite may take down and bring back (buffer cases). */
  outage?: () => Promise<OutageTarget>;
  /** Extra connect options (heartbeatMs, protocol options…). */
  connectOptions?: Partial<ConnectOptions>;
  /** Messages in the failover stream (default 10 000). */
  failoverMessages?: number;
  /** Requests in flight across the failover (default 1 000). */
  failoverRequests?: number;
  /** How long to wait to be sure that nothing more arrives (default 300 ms). */
  quietMs?: number;
  /**
   * False where queues are MQTT 5 shared subscriptions: messages sent while no consumer has joined
   * the group are not kept (default true).
   */
  queuesKeepMessagesWithoutConsumers?: boolean;
}

/**
 * What scripts/check-matrix.mjs reads from the test report: a case that runs only where the combination
 * has (`needs`) or lacks (`without`) a capability is not missing where it cannot run; any other case a
 * fixture does not run needs a reason in matrix.ts (`notRun`).
 */
declare module 'vitest' {
  interface TaskMeta {
    needs?: Capability[];
    without?: Capability[];
    fixtureLacks?: Capability[];
  }
}
const needs = (...capabilities: Capability[]) => ({ meta: { needs: capabilities } });
const without = (...capabilities: Capability[]) => ({ meta: { without: capabilities } });

export function runConformance(fixture: ConformanceFixture): void {
  const has = (capability: Capability) => !fixture.lacks.includes(capability);
  const quietMs = fixture.quietMs ?? 300;
  const keepsQueued = fixture.queuesKeepMessagesWithoutConsumers ?? true;
  let target: BrokerTarget;
  const clients: Client[] = [];

  async function client(extra?: Partial<ConnectOptions>, on?: BrokerTarget): Promise<Client> {
    const t = on ?? target;
    const c = await connect({
      transport: fixture.transport(),
      endpoints: t.endpoints,
      username: t.username,
      password: t.password,
      ...fixture.connectOptions,
      ...extra,
    });
    clients.push(c);
    return c;
  }

  /**
   * One client sends 0 … n-1 to a fresh topic (publish) or queue (send) while it receives there; resolves
   * with what arrived, once n messages did and a quiet spell brought no more.
   */
  async function streamFromOneProducer(kind: 'topic' | 'queue', options: PublishOptions, prefetch = 10): Promise<number[]> {
    const c = await client();
    const name = randomName(kind === 'topic' ? 'order' : 'qorder');
    const got: number[] = [];
    const receive = (m: Message) => void got.push(Number(new TextDecoder().decode(m.bytes)));
    if (kind === 'topic') await c.subscribe(name, receive);
    else await c.consume(name, receive, { prefetch });
    const send = (i: number) => (kind === 'topic' ? c.publish(name, String(i), options) : c.send(name, String(i), options));
    await Promise.all(Array.from({ length: 500 }, (_, i) => send(i)));
    await eventually(() => expect(got.length).toBeGreaterThanOrEqual(500));
    await sleep(quietMs);
    return got;
  }
  const inOrder = Array.from({ length: 500 }, (_, i) => i);

  describe(`conformance: ${fixture.name}`, () => {
    beforeAll(async () => {
      target = await fixture.broker();
    });
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.close({ drain: false }).catch(() => undefined)));
    });

    describe('publish and subscribe', () => {
      it('delivers payloads, ids and headers to a subscriber', async () => {
        const c = await client();
        const topic = randomName('ps');
        const got: Message[] = [];
        await c.subscribe(topic, (m) => void got.push(m));
        const headers = has('headers') ? { tenant: 'a', 'x-trace': 'abc 123' } : undefined;
        const sent = ['plain text', { id: 7, items: ['x'] }, new Uint8Array([0, 1, 2, 255])];
        for (const body of sent) await c.publish(topic, body, { headers, messageId: `id-${sent.indexOf(body)}` });
        await eventually(() => expect(got).toHaveLength(3));
        await sleep(quietMs);
        expect(got).toHaveLength(3);
        expect(got.map((m) => m.destination)).toEqual([topic, topic, topic]);
        expect(got[2]!.bytes).toEqual(new Uint8Array([0, 1, 2, 255]));
        if (has('headers')) {
          expect(got[0]!.body).toBe('plain text');
          expect(got[1]!.body).toEqual({ id: 7, items: ['x'] });
          expect(got.map((m) => m.messageId)).toEqual(['id-0', 'id-1', 'id-2']);
          for (const m of got) expect(m.headers).toMatchObject({ tenant: 'a', 'x-trace': 'abc 123' });
        } else {
          expect(new TextDecoder().decode(got[0]!.bytes)).toBe('plain text');
          expect(JSON.parse(new TextDecoder().decode(got[1]!.bytes))).toEqual({ id: 7, items: ['x'] });
        }
      });

      it('fans out to concurrent subscribers, each getting every message once', async () => {
        const c = await client();
        const topic = randomName('fan');
        const a: number[] = [];
        const b: number[] = [];
        await c.subscribe(topic, (m) => void a.push(Number(new TextDecoder().decode(m.bytes))));
        const other = await client();
        await other.subscribe(topic, (m) => void b.push(Number(new TextDecoder().decode(m.bytes))));
        const n = 100;
        await Promise.all(Array.from({ length: n }, (_, i) => c.publish(topic, String(i))));
        await eventually(() => expect([a.length, b.length]).toEqual([n, n]));
        await sleep(quietMs);
        expect(new Set(a).size).toBe(n);
        expect(new Set(b).size).toBe(n);
        expect([a.length, b.length]).toEqual([n, n]);
      });

      it('keeps topics apart', async () => {
        const c = await client();
        const one = randomName('apart');
        const two = randomName('apart');
        const got: string[] = [];
        await c.subscribe(one, (m) => void got.push(m.destination));
        await c.publish(two, 'not for you');
        await c.publish(one, 'for you');
        await eventually(() => expect(got).toEqual([one]));
        await sleep(quietMs);
        expect(got).toEqual([one]);
      });

      it('keeps order per producer', async () => {
        expect(await streamFromOneProducer('topic', {})).toEqual(inOrder);
      });

      it('with confirm: false, resolves each publish once written, and delivers every message once, in order', async () => {
        expect(await streamFromOneProducer('topic', { confirm: false })).toEqual(inOrder);
      });

      it('with confirm: false, sends a body as it was when published, though the caller reuses it once the publish resolved', async () => {
        const c = await client();
        const topic = randomName('reuse');
        const got: Uint8Array[] = [];
        await c.subscribe(topic, (m) => void got.push(m.bytes.slice()));
        const body = new Uint8Array(64);
        const sent: Uint8Array[] = [];
        for (let i = 0; i < 20; i++) {
          body.fill(i);
          body[63] = 0xff;
          sent.push(body.slice());
          await c.publish(topic, body, { confirm: false });
        }
        body.fill(0xee);
        await eventually(() => expect(got).toHaveLength(sent.length));
        await sleep(quietMs);
        expect(got).toEqual(sent);
      });

      it('hands a manual-ack subscriber the next message only after the ack, with prefetch 1', async () => {
        const c = await client();
        const topic = randomName('window');
        const got: Message[] = [];
        await c.subscribe(topic, (m) => void got.push(m), { ack: 'manual', prefetch: 1 });
        for (const body of ['1', '2', '3']) await c.publish(topic, body);
        await eventually(() => expect(got).toHaveLength(1));
        await sleep(quietMs);
        expect(got).toHaveLength(1);
        await got[0]!.ack();
        await eventually(() => expect(got).toHaveLength(2));
        await sleep(quietMs);
        expect(got).toHaveLength(2);
        await got[1]!.ack();
        await eventually(() => expect(got).toHaveLength(3));
        await got[2]!.ack();
        expect(got.map((m) => new TextDecoder().decode(m.bytes))).toEqual(['1', '2', '3']);
      });

      it('stops delivering after unsubscribe', async () => {
        const c = await client();
        const topic = randomName('unsub');
        const got: string[] = [];
        const sub = await c.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
        await c.publish(topic, 'before');
        await eventually(() => expect(got).toEqual(['before']));
        await sub.unsubscribe();
        await c.publish(topic, 'after');
        await sleep(quietMs);
        expect(got).toEqual(['before']);
      });

      it('offers subscriptions as async iterables', async () => {
        const c = await client();
        const topic = randomName('iter');
        const stream = c.subscribe(topic);
        await stream.ready;
        await Promise.all([0, 1, 2].map((i) => c.publish(topic, String(i))));
        const got = await collect(stream, 3);
        expect(got.map((m) => new TextDecoder().decode(m.bytes))).toEqual(['0', '1', '2']);
      });
    });

    describe('wildcards', () => {
      if (has('wildcards')) {
        it('matches * to exactly one segment and # to zero or more trailing segments', needs('wildcards'), async () => {
          // One pattern per client: over MQTT 3.1.1 a broker may send one copy per overlapping
          // subscription (ActiveMQ) or one per client (RabbitMQ), and nothing tells them apart.
          const c = await client();
          const other = await client();
          const root = randomName('wild');
          const star: string[] = [];
          const hash: string[] = [];
          await c.subscribe(`${root}.*.created`, (m) => void star.push(m.destination));
          await other.subscribe(`${root}.eu.#`, (m) => void hash.push(m.destination));
          const names = [`${root}.eu.created`, `${root}.us.created`, `${root}.eu.x.created`, `${root}.eu.updated`, `${root}.created`];
          for (const name of names) await c.publish(name, 'x');
          await eventually(() => {
            expect(star.sort()).toEqual([`${root}.eu.created`, `${root}.us.created`]);
            expect(hash.sort()).toEqual([`${root}.eu.created`, `${root}.eu.updated`, `${root}.eu.x.created`]);
          });
          await sleep(quietMs);
          expect(star).toHaveLength(2);
          expect(hash).toHaveLength(3);
        });
      } else {
        it('rejects wildcard subscriptions with UnsupportedError', without('wildcards'), async () => {
          const c = await client();
          await expect(c.subscribe(`${randomName('wild')}.*`, () => undefined)).rejects.toBeInstanceOf(UnsupportedError);
        });
      }
    });

    describe('queues', () => {
      if (!has('queues')) {
        it('rejects send and consume with UnsupportedError naming an alternative', without('queues'), async () => {
          const c = await client();
          const queue = randomName('q');
          await expect(c.send(queue, 'x')).rejects.toBeInstanceOf(UnsupportedError);
          await expect(c.send(queue, 'x')).rejects.toThrow(/STOMP|AMQP/);
          await expect(c.consume(queue, () => undefined)).rejects.toBeInstanceOf(UnsupportedError);
        });
        return;
      }

      it('shares a queue between competing consumers, each message once', needs('queues'), async () => {
        const producer = await client();
        const queue = randomName('group');
        const a: number[] = [];
        const b: number[] = [];
        const ca = await client();
        const cb = await client();
        await ca.consume(queue, (m) => void a.push(Number(new TextDecoder().decode(m.bytes))), { prefetch: 1 });
        await cb.consume(queue, (m) => void b.push(Number(new TextDecoder().decode(m.bytes))), { prefetch: 1 });
        const n = 200;
        await Promise.all(Array.from({ length: n }, (_, i) => producer.send(queue, String(i))));
        await eventually(() => expect(a.length + b.length).toBe(n));
        await sleep(quietMs);
        expect(a.length + b.length).toBe(n);
        expect(new Set([...a, ...b]).size).toBe(n);
        expect(a.length).toBeGreaterThan(0);
        expect(b.length).toBeGreaterThan(0);
      });

      it('keeps order per producer on a queue', needs('queues'), async () => {
        expect(await streamFromOneProducer('queue', { persistent: true })).toEqual(inOrder);
      });

      it('with confirm: false, sends to a queue every message once, in order', needs('queues'), async () => {
        expect(await streamFromOneProducer('queue', { confirm: false }, 50)).toEqual(inOrder);
      });

      it('does not push the next message before the ack with prefetch 1', needs('queues'), async () => {
        const c = await client();
        const queue = randomName('prefetch');
        const got: Message[] = [];
        await c.consume(queue, (m) => void got.push(m), { prefetch: 1, ack: 'manual' });
        await Promise.all([0, 1, 2].map((i) => c.send(queue, String(i))));
        await eventually(() => expect(got).toHaveLength(1));
        await sleep(quietMs);
        expect(got).toHaveLength(1);
        await got[0]!.ack();
        await eventually(() => expect(got).toHaveLength(2));
        await sleep(quietMs);
        expect(got).toHaveLength(2);
        await got[1]!.ack();
        await eventually(() => expect(got).toHaveLength(3));
        await got[2]!.ack();
        expect(got.map((m) => new TextDecoder().decode(m.bytes))).toEqual(['0', '1', '2']);
      });

      if (has('nack')) {
        it('redelivers nacked messages until every one is acked', needs('queues', 'nack'), async () => {
          const c = await client();
          const queue = randomName('nack');
          const n = 50;
          const acked = new Set<string>();
          let nacks = 0;
          let redeliveredSeen = 0;
          const seenOnce = new Set<string>();
          await c.consume(queue, async (m) => {
            const body = new TextDecoder().decode(m.bytes);
            if (!seenOnce.has(body)) {
              seenOnce.add(body);
              nacks++;
              await m.nack({ requeue: true });
              return;
            }
            if (m.redelivered) redeliveredSeen++;
            expect(m.possibleDuplicate).toBe(true);
            acked.add(body);
            await m.ack();
          }, { ack: 'manual', prefetch: 10 });
          await Promise.all(Array.from({ length: n }, (_, i) => c.send(queue, String(i), { persistent: true })));
          await eventually(() => expect(acked.size).toBe(n), 20_000);
          expect(nacks).toBe(n);
          expect(redeliveredSeen).toBe(n);
        });

        it('nacks when an auto-ack handler throws, and redelivers', needs('queues', 'nack'), async () => {
          const c = await client();
          const queue = randomName('throw');
          let calls = 0;
          const done: string[] = [];
          c.on('error', () => undefined);
          await c.consume(queue, (m) => {
            calls++;
            if (!m.redelivered) throw new Error('first attempt fails');
            done.push(new TextDecoder().decode(m.bytes));
          });
          await c.send(queue, 'once');
          await eventually(() => expect(done).toEqual(['once']));
          expect(calls).toBe(2);
        });
      } else {
        it('rejects nack with UnsupportedError', { meta: { ...needs('queues').meta, ...without('nack').meta } }, async () => {
          const c = await client();
          const queue = randomName('nonack');
          const got: Message[] = [];
          await c.consume(queue, (m) => void got.push(m), { ack: 'manual' });
          await c.send(queue, 'x');
          await eventually(() => expect(got).toHaveLength(1));
          await expect(got[0]!.nack()).rejects.toBeInstanceOf(UnsupportedError);
          await got[0]!.ack();
        });
      }

      it('stops consuming after cancel; the rest stays queued for the next consumer', needs('queues'), async () => {
        const c = await client();
        const queue = randomName('cancel');
        const first: string[] = [];
        const consumer = await c.consume(queue, (m) => void first.push(new TextDecoder().decode(m.bytes)), { prefetch: 1 });
        await c.send(queue, 'a', { persistent: true });
        await eventually(() => expect(first).toEqual(['a']));
        await consumer.cancel();
        await c.send(queue, 'b', { persistent: true });
        await sleep(quietMs);
        expect(first).toEqual(['a']);
        const second: string[] = [];
        await c.consume(queue, (m) => void second.push(new TextDecoder().decode(m.bytes)));
        if (keepsQueued) await eventually(() => expect(second).toEqual(['b']));
        else {
          await c.send(queue, 'c', { persistent: true });
          await eventually(() => expect(second).toEqual(['c']));
        }
      });
    });

    describe('bodies', () => {
      // Bytes that are not UTF-8: a NUL, 0xFF, a truncated sequence, every byte value. RabbitMQ Web-STOMP
      // sends them in WebSocket text frames by default (web_stomp.ws_frame = text).
      const binaryBodies = [
        new Uint8Array([0x00]),
        new Uint8Array([0xff]),
        new Uint8Array([0x01, 0xff, 0x03]),
        new Uint8Array([0xc3]),
        new Uint8Array([0x00, 0x0a, 0x00, 0x0a, 0x0a]),
        Uint8Array.from({ length: 256 }, (_, i) => i),
        Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff),
      ];

      async function expectBinaryRoundTrip(c: Client, receive: (handler: (m: Message) => void) => Promise<unknown>, send: (body: Uint8Array) => Promise<void>) {
        const got: Message[] = [];
        await receive((m) => void got.push(m));
        for (const body of binaryBodies) await send(body);
        await eventually(() => expect(got).toHaveLength(binaryBodies.length));
        await sleep(quietMs);
        expect(got).toHaveLength(binaryBodies.length);
        expect(got.map((m) => Array.from(m.bytes))).toEqual(binaryBodies.map((b) => Array.from(b)));
        expect(got.every((m) => !m.redelivered)).toBe(true);
      }

      it('carries binary bodies (0x00, 0xFF, invalid UTF-8) to a topic subscriber and a queue consumer: nothing lost, nothing loops', async () => {
        const c = await client();
        const losses: Error[] = [];
        c.on('disconnected', ({ error }) => void losses.push(error));
        expect(c.capabilities.binaryBodies).toBe(has('binaryBodies'));
        const topic = randomName('bin');
        await expectBinaryRoundTrip(c, (h) => c.subscribe(topic, h), (body) => c.publish(topic, body));
        if (has('queues')) {
          const queue = randomName('binq');
          await expectBinaryRoundTrip(c, (h) => c.consume(queue, h), (body) => c.send(queue, body));
        }
        expect(losses).toEqual([]);
        expect(c.state).toBe('connected');
      });

      it('lets one handler read msg.json() and msg.text(), whatever the protocol carries of the content type', async () => {
        const c = await client();
        const topic = randomName('json');
        const read: Array<{ json: unknown; text: string }> = [];
        const bodies: unknown[] = [];
        // The same handler code on every protocol: MQTT 3.1.1 carries no content type, STOMP and AMQP do.
        await c.subscribe(topic, (m) => {
          read.push({ json: m.json(), text: m.text() });
          bodies.push(m.body);
        }, { contentType: 'application/json' });
        await c.publish(topic, { n: 1, s: 'é' });
        await c.publish(topic, '{"n":2}');
        await c.publish(topic, new TextEncoder().encode('{"n":3}'));
        await eventually(() => expect(read).toHaveLength(3));
        expect(read.map((r) => r.json)).toEqual([{ n: 1, s: 'é' }, { n: 2 }, { n: 3 }]);
        expect(read.map((r) => r.text)).toEqual(['{"n":1,"s":"é"}', '{"n":2}', '{"n":3}']);
        // `body` follows the content type on the wire, else the subscription's contentType.
        expect(bodies[0]).toEqual({ n: 1, s: 'é' });
        expect(bodies[2]).toEqual({ n: 3 });
      });

      it('throws a DecodeError, never a bare SyntaxError, from msg.json() on a body that is not JSON', async () => {
        const c = await client();
        const topic = randomName('notjson');
        const errors: unknown[] = [];
        await c.subscribe(topic, (m) => {
          try {
            m.json();
          } catch (error) {
            errors.push(error);
          }
        });
        await c.publish(topic, 'not json {');
        await eventually(() => expect(errors).toHaveLength(1));
        expect(errors[0]).toBeInstanceOf(DecodeError);
        expect((errors[0] as DecodeError).code).toBe('DECODE');
        expect((errors[0] as Error).message).toMatch(/not JSON/);
      });
    });

    describe('request/reply', () => {
      const text = (m: Message) => new TextDecoder().decode(m.bytes);
      if (!has('queues')) {
        if (!has('headers')) {
          it('rejects request with UnsupportedError saying how to carry a reply address', without('queues', 'headers'), async () => {
            const c = await client();
            const request = c.request(randomName('rpc'), 'x', { timeoutMs: 10_000 });
            await expect(request).rejects.toBeInstanceOf(UnsupportedError);
            await expect(request).rejects.toThrow(/envelope/);
          });
        }
        return;
      }

      it('matches 200 concurrent requests, each to its own reply, through one reply address', needs('queues'), async () => {
        const server = await client();
        const requester = await client();
        const queue = randomName('rpc');
        const served: string[] = [];
        await server.serve(queue, (m) => {
          served.push(text(m));
          return `re:${text(m)}`;
        }, { prefetch: 50, concurrency: 20 });
        const n = 200;
        const replies = await Promise.all(Array.from({ length: n }, (_, i) => requester.request(queue, String(i), { timeoutMs: 30_000 })));
        expect(replies.map(text)).toEqual(Array.from({ length: n }, (_, i) => `re:${i}`));
        expect(new Set(replies.map((r) => r.correlationId)).size).toBe(n);
        expect(served).toHaveLength(n);
      });

      it('rejects with TimeoutError when no reply comes within timeoutMs', needs('queues'), async () => {
        const c = await client();
        const queue = randomName('rpcnone');
        await expect(c.request(queue, 'anyone?', { timeoutMs: 300 })).rejects.toBeInstanceOf(TimeoutError);
      });

      it('sends no reply when the handler throws, and nacks the request', needs('queues'), async () => {
        const server = await client();
        const requester = await client();
        const queue = randomName('rpcthrow');
        const errors: Error[] = [];
        server.on('error', ({ error }) => void errors.push(error));
        let calls = 0;
        await server.serve(queue, (m) => {
          calls++;
          if (text(m) === 'fail' || !m.redelivered) throw new Error('handler failed');
          return 'second attempt';
        });
        if (has('nack')) {
          // Nacked with requeue: the broker redelivers it and the second attempt replies.
          const reply = await requester.request(queue, 'retry', { timeoutMs: 20_000 });
          expect(text(reply)).toBe('second attempt');
          expect(calls).toBe(2);
          expect(errors).toHaveLength(1);
        } else {
          // No nack on this protocol: the request stays unacked, and no reply is sent.
          await expect(requester.request(queue, 'fail', { timeoutMs: 1000 })).rejects.toBeInstanceOf(TimeoutError);
          expect(calls).toBe(1);
          // The handler's error, then the nack's UnsupportedError.
          expect(errors[0]!.message).toMatch(/handler/);
        }
      });
    });

    describe('capabilities the combination lacks fail with UnsupportedError', () => {
      it('reports its capabilities', { meta: { fixtureLacks: [...fixture.lacks] } }, async () => {
        const c = await client();
        for (const capability of ['queues', 'wildcards', 'headers', 'nack', 'priority', 'ttl', 'durableSubscriptions', 'binaryBodies'] as const) {
          expect({ capability, value: c.capabilities[capability] }).toEqual({ capability, value: has(capability) });
        }
      });
      if (!has('headers')) {
        it('headers', without('headers'), async () => {
          const c = await client();
          await expect(c.publish(randomName('h'), 'x', { headers: { a: 'b' } })).rejects.toBeInstanceOf(UnsupportedError);
        });
      }
      if (!has('priority')) {
        it('priority', without('priority'), async () => {
          const c = await client();
          await expect(c.publish(randomName('p'), 'x', { priority: 9 })).rejects.toBeInstanceOf(UnsupportedError);
        });
      }
      if (!has('ttl')) {
        it('ttl', without('ttl'), async () => {
          const c = await client();
          await expect(c.publish(randomName('t'), 'x', { ttlMs: 1000 })).rejects.toBeInstanceOf(UnsupportedError);
        });
      }
      if (!has('durableSubscriptions')) {
        it('durable subscriptions', without('durableSubscriptions'), async () => {
          const c = await client();
          await expect(c.subscribe(randomName('d'), () => undefined, { durable: 'd1' })).rejects.toBeInstanceOf(UnsupportedError);
        });
      }
    });

    describe('errors and close', () => {
      it('rejects invalid destinations with InvalidDestinationError', async () => {
        const c = await client();
        await expect(c.publish('', 'x')).rejects.toBeInstanceOf(InvalidDestinationError);
        await expect(c.publish('a..b', 'x')).rejects.toBeInstanceOf(InvalidDestinationError);
        await expect(c.publish('a.*', 'x')).rejects.toBeInstanceOf(InvalidDestinationError);
        await expect(c.publish('a\u0000b', 'x')).rejects.toBeInstanceOf(InvalidDestinationError);
        await expect(c.subscribe('a.#.b', () => undefined)).rejects.toBeInstanceOf(InvalidDestinationError);
      });

      it('rejects a payload over the broker limit with PayloadTooLargeError', async () => {
        const c = await client();
        const limit = c.capabilities.maxMessageBytes;
        const size = Number.isFinite(limit) ? limit + 1 : 0;
        if (size > 0 && size <= 256 * 1024 * 1024) {
          await expect(c.publish(randomName('big'), new Uint8Array(size))).rejects.toBeInstanceOf(PayloadTooLargeError);
        } else {
          expect(limit).toBe(Infinity);
        }
      });

      it('flushes pending publishes on close, and rejects use after close with ClosedError', async () => {
        const receiver = await client();
        const topic = randomName('close');
        const got: string[] = [];
        await receiver.subscribe(topic, (m) => void got.push(new TextDecoder().decode(m.bytes)));
        const sender = await client();
        const n = 100;
        const published = Array.from({ length: n }, (_, i) => sender.publish(topic, String(i)));
        await sender.close();
        await Promise.all(published);
        expect(sender.state).toBe('closed');
        await expect(sender.publish(topic, 'late')).rejects.toBeInstanceOf(ClosedError);
        await expect(sender.subscribe(topic, () => undefined)).rejects.toBeInstanceOf(ClosedError);
        await sender.close();
        await eventually(() => expect(got).toHaveLength(n));
      });
    });

    if (fixture.outage) {
      const makeOutage = fixture.outage;
      describe('offline buffer', () => {
        it('holds publishes while disconnected, completes them after reconnection, and rejects overflow', async () => {
          const broker = await makeOutage();
          try {
            const c = await client({ buffer: { maxMessages: 5, overflow: 'reject' }, heartbeatMs: 1000 }, broker);
            const queueOrTopic = randomName('buf');
            const got: string[] = [];
            const receive = (m: Message) => void got.push(new TextDecoder().decode(m.bytes));
            if (has('queues')) await c.consume(queueOrTopic, receive);
            else await c.subscribe(queueOrTopic, receive);
            const publish = (body: string) => (has('queues') ? c.send(queueOrTopic, body, { persistent: true }) : c.publish(queueOrTopic, body));
            await broker.down();
            await eventually(() => expect(c.state).toBe('reconnecting'));
            const held = Array.from({ length: 5 }, (_, i) => publish(String(i)));
            await expect(publish('overflow')).rejects.toBeInstanceOf(BufferOverflowError);
            expect(c.pending.buffered).toBe(5);
            await broker.up();
            await Promise.all(held);
            await eventually(() => expect(got.sort()).toEqual(['0', '1', '2', '3', '4']), 30_000);
            await sleep(quietMs);
            expect(got).toHaveLength(5);
          } finally {
            await broker.dispose();
          }
        });
      });
    }

    if (fixture.pair) {
      const makePair = fixture.pair;
      describe('failover', () => {
        if (has('queues')) {
          it('completes every request in flight across the failover: none lost, none hanging', needs('queues'), async () => {
            const pair = await makePair();
            try {
              const total = fixture.failoverRequests ?? 1000;
              const server = await client({}, pair);
              const requester = await client({}, pair);
              const queue = randomName('rpcfailover');
              await server.serve(queue, (m) => `re:${new TextDecoder().decode(m.bytes)}`, { prefetch: 50, concurrency: 20 });
              const requests: Promise<Message>[] = [];
              for (let i = 0; i < total; i++) {
                requests.push(requester.request(queue, String(i), { timeoutMs: 60_000 }));
                if (i === Math.floor(total / 2)) {
                  await sleep(20);
                  await pair.killActive();
                } else if (i % 100 === 0) {
                  await sleep(1);
                }
              }
              const results = await Promise.allSettled(requests);
              const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${i}: ${String(r.reason)}`] : []));
              expect(failed).toEqual([]);
              const bodies = results.map((r) => (r.status === 'fulfilled' ? new TextDecoder().decode(r.value.bytes) : ''));
              expect(bodies).toEqual(Array.from({ length: total }, (_, i) => `re:${i}`));
            } finally {
              await pair.dispose();
            }
          });
        }

        if (!has('queues')) {
          // MQTT 3.1.1: no queues, but a persistent session keeps QoS 1 messages for its subscriptions while the
          // client is away; the client comes back on the other endpoint with the same client id and resumes it.
          // Without headers nothing can carry a possible-duplicate flag, so duplicates are counted, not flagged.
          it('loses nothing on a topic when the active endpoint dies mid-stream: the session keeps QoS 1 messages across the failover', without('queues'), async () => {
            const pair = await makePair();
            try {
              const total = fixture.failoverMessages ?? 2000;
              const producer = await client({ buffer: { maxMessages: total } }, pair);
              const consumer = await client({}, pair);
              let resubscribed = 0;
              consumer.on('resubscribed', ({ count }) => void (resubscribed += count));
              const moved: string[] = [];
              consumer.on('failover', ({ to }) => void moved.push(to));
              const topic = randomName('failover-topic');
              const counts = new Map<number, number>();
              await consumer.subscribe(topic, (m) => {
                const i = Number(new TextDecoder().decode(m.bytes));
                counts.set(i, (counts.get(i) ?? 0) + 1);
              });
              const confirmations: Promise<void>[] = [];
              for (let i = 0; i < total; i++) {
                confirmations.push(producer.publish(topic, String(i), { persistent: true }));
                if (i === Math.floor(total / 2)) {
                  await sleep(20);
                  await pair.killActive();
                } else if (i % 100 === 0) {
                  await sleep(1);
                }
              }
              await Promise.all(confirmations);
              await eventually(() => expect(counts.size).toBe(total), 60_000);
              expect(Array.from({ length: total }, (_, i) => i).filter((i) => !counts.has(i))).toEqual([]);
              expect(moved).toEqual([consumer.endpoint]);
              expect(consumer.endpoint).toContain(new URL(pair.endpoints[1]!).host);
              expect(resubscribed).toBeGreaterThanOrEqual(1);
              const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
              console.log(`[${fixture.name}] topic failover: ${total} sent, ${counts.size} distinct received, ${duplicates} duplicates`);
            } finally {
              await pair.dispose();
            }
          });
          return;
        }
        it('loses nothing when the active broker dies in the middle of a stream, and flags every duplicate', needs('queues'), async () => {
          const pair = await makePair();
          try {
            const total = fixture.failoverMessages ?? 10_000;
            const producer = await client({ buffer: { maxMessages: total } }, pair);
            const consumer = await client({}, pair);
            let resubscribed = 0;
            consumer.on('resubscribed', ({ count }) => void (resubscribed += count));
            const queue = randomName('failover');
            const counts = new Map<number, number>();
            let unflagged = 0;
            await consumer.consume(queue, (m) => {
              const i = Number(new TextDecoder().decode(m.bytes));
              const seen = counts.get(i) ?? 0;
              if (seen > 0 && !m.possibleDuplicate) unflagged++;
              counts.set(i, seen + 1);
            }, { prefetch: 50 });
            const confirmations: Promise<void>[] = [];
            for (let i = 0; i < total; i++) {
              confirmations.push(producer.send(queue, String(i), { persistent: true }));
              if (i === Math.floor(total / 2)) {
                await sleep(20);
                await pair.killActive();
              } else if (i % 500 === 0) {
                await sleep(1);
              }
            }
            await Promise.all(confirmations);
            await eventually(() => expect(counts.size).toBe(total), 60_000);
            const lost = Array.from({ length: total }, (_, i) => i).filter((i) => !counts.has(i));
            expect(lost).toEqual([]);
            expect(unflagged).toBe(0);
            expect(resubscribed).toBeGreaterThanOrEqual(1);
          } finally {
            await pair.dispose();
          }
        });
      });
    }
  });
}
