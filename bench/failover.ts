/**
 * npm run bench:failover — how long a killed active broker costs, per protocol, beside ActiveMQ's own
 * OpenWire failover transport (the Java anchor) measured in the same run on the same pair, twice: with
 * Java's default backoff, and with the backoff of our defaults (initialReconnectDelay=25,
 * maxReconnectDelay=200).
 *
 * Every client runs the same workload: one persistent, confirmed message every 5 ms to a destination that
 * keeps it (STOMP: a queue; MQTT: QoS 1 to a topic with a session-kept subscription, which ActiveMQ stores
 * persistently; Java: a queue), while the same client consumes it. The active broker of an ActiveMQ
 * shared-store pair is SIGKILLed; the bench records
 *   ready  — when the standby first answers a handshake in the client's own protocol (polled every 10 ms):
 *            an MQTT CONNECT for MQTT, a STOMP CONNECT for STOMP and for Java. ActiveMQ opens its
 *            connectors one after the other (OpenWire, STOMP, MQTT), so MQTT's port opens last: timed
 *            from the STOMP answer, MQTT would be charged for the broker's start of its MQTT connector.
 *            Java's OpenWire opens before STOMP, so Java is, if anything, flattered,
 *   resume — when sends complete again: the end of the longest gap between completed sends around the kill,
 *   added  — resume − ready: the delay the client adds on top of the broker's takeover.
 * Every wait has a deadline: a round that never resumes fails (and is reported as failed), it never
 * reports a small number. Then the killed broker comes back as the standby for the next round.
 *
 *   ROUNDS=5 npm run bench:failover      (default 5 rounds; results in bench/results/failover.json)
 *   CLIENTS=STOMP,MQTT                   only the clients whose name starts with one of these
 *   TRACE=1                              also print, per SDK round, the client's events from the kill on
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Transport } from '../src/index.js';
import { mqtt } from '../src/transports/mqtt/index.js';
import { stomp } from '../src/transports/stomp/index.js';
import { mqttAnswers, startActiveMQPair, stompAnswers, type ActiveMQPair, type Broker } from '../test/support/brokers.js';

const ROUNDS = Number(process.env.ROUNDS ?? 5);
const TRACE = process.env.TRACE === '1';
const CLIENTS = process.env.CLIENTS?.split(',').map((s) => s.trim().toLowerCase());
const JARS = ['activemq-client', 'geronimo-jms_1.1_spec', 'geronimo-j2ee-management-1.1-spec', 'hawtbuf', 'slf4j-api'].map((name) => `/usr/share/java/${name}.jar`);
/** The standby must answer within this after the kill (ActiveMQ takes about 3 s). */
const TAKEOVER_DEADLINE_MS = 60_000;
/** The client must resume within this after the standby answers. */
const RESUME_DEADLINE_MS = 30_000;
const JAVA_MATCHED = '?initialReconnectDelay=25&maxReconnectDelay=200';

interface Round { takeoverMs: number; resumeMs: number; addedMs: number }
type Outcome = Round | { failed: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The handshake that tells when the standby serves the client's own protocol. */
const ANSWERS = { stomp: stompAnswers, mqtt: mqttAnswers };
type ReadyProtocol = keyof typeof ANSWERS;

async function active(pair: ActiveMQPair): Promise<{ active: Broker; standby: Broker }> {
  const which = await pair.waitForActive(60_000);
  return which === 'a' ? { active: pair.a, standby: pair.b } : { active: pair.b, standby: pair.a };
}

/** Kills the active broker; resolves with the kill time and the time the standby answered `protocol`. */
async function killAndWatch(pair: ActiveMQPair, protocol: ReadyProtocol): Promise<{ killedAt: number; readyAt: number; killed: Broker }> {
  const { active: victim, standby } = await active(pair);
  const url = standby.endpoints[protocol]!;
  const answers = ANSWERS[protocol];
  const killedAt = Date.now();
  await victim.kill();
  while (Date.now() - killedAt < TAKEOVER_DEADLINE_MS) {
    if (await answers(url, 500)) return { killedAt, readyAt: Date.now(), killed: victim };
    await sleep(10);
  }
  await victim.start();
  throw new Error(`the standby did not answer ${protocol} within ${TAKEOVER_DEADLINE_MS} ms of the kill`);
}

/** Waits until a send completed after `readyAt`; throws at the deadline (the client never resumed). */
async function resumed(completions: number[], readyAt: number, who: string): Promise<void> {
  const deadline = readyAt + RESUME_DEADLINE_MS;
  while (!completions.some((t) => t > readyAt)) {
    if (Date.now() > deadline) throw new Error(`${who} did not resume within ${RESUME_DEADLINE_MS} ms of the standby answering`);
    await sleep(5);
  }
}

function outcome(completions: number[], killedAt: number, readyAt: number): Round {
  const resumeAt = resumeAfter(completions, killedAt - 200);
  if (!(resumeAt > killedAt)) throw new Error('no gap around the kill was seen: the sends never stopped, or never started');
  return { takeoverMs: readyAt - killedAt, resumeMs: resumeAt - killedAt, addedMs: resumeAt - readyAt };
}

async function roundWithSdk(pair: ActiveMQPair, transport: Transport, protocol: ReadyProtocol): Promise<Round> {
  const endpoints = [...pair.endpoints[protocol]!];
  const kind = protocol === 'stomp' ? 'queue' : 'topic';
  const client = await connect({ transport, endpoints, heartbeatMs: 2000 });
  const events: Array<[string, number]> = [];
  if (TRACE) {
    client.on('disconnected', () => void events.push(['disconnected', Date.now()]));
    client.on('reconnecting', ({ attempt, endpoint }) => void events.push([`attempt ${attempt} (${endpoint})`, Date.now()]));
    client.on('resubscribed', () => void events.push(['resubscribed', Date.now()]));
  }
  const destination = `bench.failover.${kind}`;
  let received = 0;
  // The same client keeps what it sends: a queue consumer (STOMP), a session-kept QoS 1 subscription (MQTT).
  if (kind === 'queue') await client.consume(destination, () => void received++);
  else await client.subscribe(destination, () => void received++);
  const completions: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const sent = kind === 'queue' ? client.send(destination, String(i), { persistent: true }) : client.publish(destination, String(i), { persistent: true });
      await sent.then(() => void completions.push(Date.now()), () => undefined);
      await sleep(5);
    }
  })();
  let killed: Broker | undefined;
  try {
    await sleep(500);
    const watched = await killAndWatch(pair, protocol);
    killed = watched.killed;
    await resumed(completions, watched.readyAt, 'the client');
    const result = outcome(completions, watched.killedAt, watched.readyAt);
    if (TRACE) {
      const at = (t: number) => `${t - watched.readyAt >= 0 ? '+' : ''}${t - watched.readyAt}`;
      const trail = events.filter(([, t]) => t >= watched.killedAt).map(([name, t]) => `${name} ${at(t)}`);
      console.error(`  ms from ready: ${trail.join(', ')}, resumed ${at(watched.killedAt + result.resumeMs)}`);
    }
    return result;
  } finally {
    running = false;
    await Promise.race([loop, sleep(5_000)]);
    await client.close({ drain: false });
    if (received === 0) console.error('  (the client received none of its messages)');
    await killed?.start();
  }
}

async function roundWithJava(pair: ActiveMQPair, classes: string, options: string): Promise<Round> {
  const uri = `failover:(${pair.endpoints.openwire![0]},${pair.endpoints.openwire![1]})${options}`;
  const child = spawn('java', ['-cp', [classes, ...JARS].join(':'), 'FailoverProbe', uri, '120000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const completions: number[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`the Java probe exited (${code}) before it was ready:\n${stderr.slice(-2000)}`)));
    setTimeout(() => reject(new Error('the Java probe was not ready within 60 s')), 60_000).unref();
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line === 'READY') ready();
      else if (line.startsWith('SENT ')) completions.push(Number(line.slice(5)));
    }
  });
  let killed: Broker | undefined;
  try {
    await started;
    await sleep(500);
    const watched = await killAndWatch(pair, 'stomp');
    killed = watched.killed;
    await resumed(completions, watched.readyAt, 'the Java client');
    return outcome(completions, watched.killedAt, watched.readyAt);
  } finally {
    child.kill('SIGKILL');
    await killed?.start();
  }
}

/** The end of the longest silence between consecutive completions after `from`: the outage. */
function resumeAfter(completions: number[], from: number): number {
  let best = Number.NaN;
  let longest = -1;
  for (let i = 1; i < completions.length; i++) {
    if (completions[i]! < from) continue;
    const gap = completions[i]! - completions[i - 1]!;
    if (gap > longest) {
      longest = gap;
      best = completions[i]!;
    }
  }
  return best;
}

function stats(values: number[]): { min: number; median: number; max: number } {
  if (values.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: Math.round(sorted[0]!), median: Math.round(median), max: Math.round(sorted[sorted.length - 1]!) };
}

async function rounds(name: string, run: () => Promise<Round>, results: Record<string, Outcome[]>): Promise<void> {
  if (CLIENTS && !CLIENTS.some((prefix) => name.toLowerCase().startsWith(prefix))) return;
  results[name] = [];
  for (let r = 0; r < ROUNDS; r++) {
    let result: Outcome;
    try {
      result = await run();
      console.error(`${name} round ${r + 1}: takeover ${result.takeoverMs} ms, resume ${result.resumeMs} ms, added ${result.addedMs} ms`);
    } catch (error) {
      result = { failed: (error as Error).message };
      console.error(`${name} round ${r + 1} FAILED: ${result.failed}`);
    }
    results[name].push(result);
  }
}

const JAVA_DEFAULT = 'Java OpenWire failover: (anchor, default backoff)';
const JAVA_MATCHED_NAME = 'Java OpenWire failover: (anchor, initialReconnectDelay=25&maxReconnectDelay=200)';

async function main(): Promise<void> {
  execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'inherit' });
  const pair = await startActiveMQPair();
  const results: Record<string, Outcome[]> = {};
  try {
    await rounds('MQTT 3.1.1', () => roundWithSdk(pair, mqtt(), 'mqtt'), results);
    await rounds('STOMP', () => roundWithSdk(pair, stomp(), 'stomp'), results);
    const javaAvailable = JARS.every((jar) => existsSync(jar)) && spawnable('javac');
    if (javaAvailable) {
      const classes = '.cache/bench-java';
      mkdirSync(classes, { recursive: true });
      execFileSync('javac', ['-cp', JARS.join(':'), '-d', classes, 'bench/java/FailoverProbe.java']);
      await rounds(JAVA_DEFAULT, () => roundWithJava(pair, classes, ''), results);
      await rounds(JAVA_MATCHED_NAME, () => roundWithJava(pair, classes, JAVA_MATCHED), results);
    } else {
      console.error('Java anchors skipped: install default-jdk-headless and libactivemq-java to measure them.');
    }
  } finally {
    await pair.dispose();
  }
  const succeeded = (name: string) => (results[name] ?? []).filter((r): r is Round => !('failed' in r));
  const anchor = succeeded(JAVA_MATCHED_NAME);
  const anchorAdded = anchor.length > 0 ? stats(anchor.map((r) => r.addedMs)).median : undefined;
  const rows = Object.entries(results).map(([name, outcomes]) => {
    const ok = succeeded(name);
    const takeover = stats(ok.map((r) => r.takeoverMs));
    const resume = stats(ok.map((r) => r.resumeMs));
    const added = stats(ok.map((r) => r.addedMs));
    const ratio = anchorAdded ? (added.median / anchorAdded).toFixed(2) : 'n/a';
    return { name, rounds: outcomes.length, failed: outcomes.length - ok.length, takeover, resume, added, addedVsMatchedJava: ratio };
  });
  const cell = (s: { min: number; median: number; max: number }) => `${s.min} / ${s.median} / ${s.max}`;
  console.log(`\nSIGKILL of the active broker of an ActiveMQ 5.17 shared-store pair, ${ROUNDS} round(s) each (ms, min / median / max)`);
  console.log('| client | rounds failed | takeover (standby ready) | client resume | added by the client | added vs Java (matched backoff) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.failed} of ${row.rounds} | ${cell(row.takeover)} | ${cell(row.resume)} | ${cell(row.added)} | ${row.addedVsMatchedJava} |`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/failover.json', JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, results, rows }, null, 2) + '\n');
  if (rows.some((row) => row.failed > 0)) process.exitCode = 1;
}

function spawnable(command: string): boolean {
  try {
    execFileSync(command, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
