/**
 * npm run bench:failover — how long a killed active broker costs, per protocol, beside ActiveMQ's own
 * OpenWire failover transport (the Java anchor) measured in the same run on the same pair.
 *
 * Each round: a producer sends one persistent, confirmed message every 5 ms; the active broker of an
 * ActiveMQ shared-store pair is SIGKILLed; the bench records
 *   ready  — when the standby first answers a STOMP CONNECT (polled every 10 ms),
 *   resume — when sends complete again: the end of the longest gap between completed sends around the kill,
 *   added  — resume − ready: the delay the client adds on top of the broker's takeover.
 * Then the killed broker comes back as the standby for the next round.
 *
 *   ROUNDS=5 npm run bench:failover      (default 3 rounds; results in bench/results/failover.json)
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, type Transport } from '../src/index.js';
import { mqtt } from '../src/transports/mqtt/index.js';
import { stomp } from '../src/transports/stomp/index.js';
import { startActiveMQPair, stompAnswers, type ActiveMQPair, type Broker } from '../test/support/brokers.js';

const ROUNDS = Number(process.env.ROUNDS ?? 3);
const JARS = ['activemq-client', 'geronimo-jms_1.1_spec', 'geronimo-j2ee-management-1.1-spec', 'hawtbuf', 'slf4j-api'].map((name) => `/usr/share/java/${name}.jar`);

interface Round { takeoverMs: number; resumeMs: number; addedMs: number }

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function active(pair: ActiveMQPair): Promise<{ active: Broker; standby: Broker; standbyStomp: string }> {
  const which = await pair.waitForActive(60_000);
  return which === 'a'
    ? { active: pair.a, standby: pair.b, standbyStomp: pair.b.endpoints.stomp! }
    : { active: pair.b, standby: pair.a, standbyStomp: pair.a.endpoints.stomp! };
}

/** Kills the active broker; resolves with the kill time and the time the standby answered. */
async function killAndWatch(pair: ActiveMQPair): Promise<{ killedAt: number; readyAt: number; killed: Broker }> {
  const { active: victim, standbyStomp } = await active(pair);
  const killedAt = Date.now();
  await victim.kill();
  for (;;) {
    if (await stompAnswers(standbyStomp, 500)) return { killedAt, readyAt: Date.now(), killed: victim };
    await sleep(10);
  }
}

async function roundWithSdk(pair: ActiveMQPair, transport: Transport, endpoints: string[], kind: 'queue' | 'topic'): Promise<Round> {
  const client = await connect({ transport, endpoints, heartbeatMs: 2000 });
  const completions: number[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const sent = kind === 'queue' ? client.send('bench.failover', String(i), { persistent: true }) : client.publish('bench.failover', String(i));
      await sent.then(() => void completions.push(Date.now()), () => undefined);
      await sleep(5);
    }
  })();
  await sleep(500);
  const { killedAt, readyAt, killed } = await killAndWatch(pair);
  while (!completions.some((t) => t > readyAt)) await sleep(5);
  running = false;
  await loop;
  await client.close({ drain: false });
  const resumeAt = resumeAfter(completions, killedAt - 200);
  await killed.start();
  return { takeoverMs: readyAt - killedAt, resumeMs: resumeAt - killedAt, addedMs: resumeAt - readyAt };
}

async function roundWithJava(pair: ActiveMQPair, classes: string): Promise<Round> {
  const uri = `failover:(${pair.endpoints.openwire![0]},${pair.endpoints.openwire![1]})`;
  const child = spawn('java', ['-cp', [classes, ...JARS].join(':'), 'FailoverProbe', uri, '60000'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => void (stderr += chunk));
  const completions: number[] = [];
  let ready!: () => void;
  const started = new Promise<void>((resolve, reject) => {
    ready = resolve;
    child.once('exit', (code) => reject(new Error(`the Java probe exited (${code}) before it was ready:\n${stderr.slice(-2000)}`)));
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) {
      if (line === 'READY') ready();
      else if (line.startsWith('SENT ')) completions.push(Number(line.slice(5)));
    }
  });
  await started;
  await sleep(500);
  const { killedAt, readyAt, killed } = await killAndWatch(pair);
  const deadline = Date.now() + 60_000;
  while (!completions.some((t) => t > readyAt) && Date.now() < deadline) await sleep(5);
  child.kill('SIGKILL');
  const resumeAt = resumeAfter(completions, killedAt - 200);
  await killed.start();
  return { takeoverMs: readyAt - killedAt, resumeMs: resumeAt - killedAt, addedMs: resumeAt - readyAt };
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

function stats(values: number[]): { median: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median: Math.round(median), max: Math.round(sorted[sorted.length - 1]!) };
}

async function main(): Promise<void> {
  execFileSync('bash', ['scripts/ensure-docker.sh'], { stdio: 'inherit' });
  const pair = await startActiveMQPair();
  const results: Record<string, Round[]> = {};
  try {
    for (const [name, transport, endpoints, kind] of [
      ['MQTT 3.1.1', () => mqtt(), pair.endpoints.mqtt!, 'topic'],
      ['STOMP', () => stomp(), pair.endpoints.stomp!, 'queue'],
    ] as const) {
      results[name] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round = await roundWithSdk(pair, transport(), [...endpoints], kind);
        console.error(`${name} round ${r + 1}: takeover ${round.takeoverMs} ms, resume ${round.resumeMs} ms, added ${round.addedMs} ms`);
        results[name].push(round);
      }
    }
    const javaAvailable = JARS.every((jar) => existsSync(jar)) && spawnable('javac');
    if (javaAvailable) {
      const classes = '.cache/bench-java';
      mkdirSync(classes, { recursive: true });
      execFileSync('javac', ['-cp', JARS.join(':'), '-d', classes, 'bench/java/FailoverProbe.java']);
      const name = 'Java OpenWire failover: (anchor)';
      results[name] = [];
      for (let r = 0; r < ROUNDS; r++) {
        const round = await roundWithJava(pair, classes);
        console.error(`${name} round ${r + 1}: takeover ${round.takeoverMs} ms, resume ${round.resumeMs} ms, added ${round.addedMs} ms`);
        results[name].push(round);
      }
    } else {
      console.error('Java anchor skipped: install default-jdk-headless and libactivemq-java to measure it.');
    }
  } finally {
    await pair.dispose();
  }
  const anchor = results['Java OpenWire failover: (anchor)'];
  const anchorAdded = anchor ? stats(anchor.map((r) => r.addedMs)).median : undefined;
  const rows = Object.entries(results).map(([name, rounds]) => {
    const takeover = stats(rounds.map((r) => r.takeoverMs));
    const resume = stats(rounds.map((r) => r.resumeMs));
    const added = stats(rounds.map((r) => r.addedMs));
    const ratio = anchorAdded ? (added.median / anchorAdded).toFixed(2) : 'n/a';
    return { name, rounds: rounds.length, takeover, resume, added, addedVsJava: ratio };
  });
  console.log(`\nSIGKILL of the active broker of an ActiveMQ 5.17 shared-store pair, ${ROUNDS} round(s) each (ms, median / max)`);
  console.log('| client | takeover (standby ready) | client resume | added by the client | added vs Java |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const row of rows) {
    console.log(`| ${row.name} | ${row.takeover.median} / ${row.takeover.max} | ${row.resume.median} / ${row.resume.max} | ${row.added.median} / ${row.added.max} | ${row.addedVsJava} |`);
  }
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/failover.json', JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, results, rows }, null, 2) + '\n');
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
