/**
 * Brokers in containers for the integration tests (testcontainers, image from scripts/ensure-images.sh).
 *
 * Host ports are chosen up front and bound explicitly, so a broker that is killed and started again
 * keeps its endpoints: failover tests list both endpoints of a pair before anything happens. Faults
 * go through the docker CLI (kill, stop, pause, network disconnect), which testcontainers does not wrap.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';

process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';
const exec = promisify(execFile);

export type BrokerKind = 'activemq' | 'rabbitmq' | 'mosquitto';
export type EndpointKind = 'mqtt' | 'stomp' | 'amqp' | 'openwire' | 'mqtt-ws' | 'stomp-ws';
export type Endpoints = Partial<Record<EndpointKind, string>>;

/** What a test needs to reach a broker; plain data, so the global setup can hand it to test files. */
export interface BrokerInfo {
  kind: BrokerKind;
  endpoints: Endpoints;
  protocols: EndpointKind[];
  username: string | undefined;
  password: string | undefined;
}

export interface Broker extends BrokerInfo {
  readonly containerId: string;
  /** SIGKILL: sockets close at once, nothing is flushed. */
  kill(): Promise<void>;
  /** A graceful stop, as for a maintenance reboot. */
  stop(): Promise<void>;
  /** Freezes the broker: sockets stay open and silent, only heartbeats can tell. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** Cuts the container off the network (a partition), and heals it. */
  disconnectNetwork(): Promise<void>;
  reconnectNetwork(): Promise<void>;
  /** Starts a stopped or killed broker again (same endpoints) and waits until it logs `readyLog`. */
  start(readyLog?: RegExp): Promise<void>;
  restart(): Promise<void>;
  logs(): Promise<string>;
  dispose(): Promise<void>;
}

interface Recipe {
  kind: BrokerKind;
  ports: Record<EndpointKind, number | undefined>;
  schemes: Record<EndpointKind, string>;
  ready: RegExp;
  username: string | undefined;
  password: string | undefined;
}

const SCHEMES: Record<EndpointKind, string> = {
  mqtt: 'mqtt://127.0.0.1:PORT',
  stomp: 'stomp://127.0.0.1:PORT',
  amqp: 'amqp://127.0.0.1:PORT',
  openwire: 'tcp://127.0.0.1:PORT',
  'mqtt-ws': 'ws://127.0.0.1:PORT/ws',
  'stomp-ws': 'ws://127.0.0.1:PORT/ws',
};

const RECIPES: Record<BrokerKind, Recipe> = {
  activemq: {
    kind: 'activemq',
    ports: { mqtt: 1883, stomp: 61613, openwire: 61616, amqp: undefined, 'mqtt-ws': undefined, 'stomp-ws': undefined },
    schemes: SCHEMES,
    ready: /Apache ActiveMQ [\d.]+ \(umq, .*\) started/,
    username: undefined,
    password: undefined,
  },
  rabbitmq: {
    kind: 'rabbitmq',
    ports: { amqp: 5672, mqtt: 1883, stomp: 61613, 'stomp-ws': 15674, 'mqtt-ws': 15675, openwire: undefined },
    schemes: SCHEMES,
    ready: /completed with \d+ plugins|Server startup complete/,
    username: 'guest',
    password: 'guest',
  },
  mosquitto: {
    kind: 'mosquitto',
    ports: { mqtt: 1883, stomp: undefined, amqp: undefined, openwire: undefined, 'mqtt-ws': undefined, 'stomp-ws': undefined },
    schemes: SCHEMES,
    ready: /mosquitto version [\d.]+ running/,
    username: undefined,
    password: undefined,
  },
};

export const ACTIVEMQ_STANDBY_LOG = /slave mode waiting a lock|is locked by another server/i;

let imagePromise: Promise<string> | undefined;

/** The broker image (built once per recipe by scripts/ensure-images.sh). */
export function brokerImage(): Promise<string> {
  imagePromise ??= exec('bash', ['scripts/ensure-images.sh'], { maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 }).then(
    ({ stdout }) => stdout.trim().split('\n').pop()!,
  );
  return imagePromise;
}

/** Every container the tests start carries this label, so a sweep can remove leftovers of a crashed run. */
export const TEST_LABEL = 'unified-mq.test';

const handedOut = new Set<number>();

/** A free host port, never the same twice in this process (parallel starts must not collide). */
async function freePort(): Promise<number> {
  for (;;) {
    const port = await ephemeralPort();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

async function waitForLog(containerId: string, pattern: RegExp, sinceIso: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { stdout, stderr } = await exec('docker', ['logs', '--since', sinceIso, containerId], { maxBuffer: 64 * 1024 * 1024 });
    if (pattern.test(stdout) || pattern.test(stderr)) return;
    if (Date.now() > deadline) {
      throw new Error(`container ${containerId.slice(0, 12)} did not log ${pattern} within ${timeoutMs} ms; last lines:\n${(stdout + stderr).slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface StartOptions {
  /** Bind-mount this host directory at /var/lib/umq (the shared KahaDB of a pair). */
  sharedDirectory?: string;
  /** The log line that means "started" (default: the broker's ready line). */
  readyLog?: RegExp;
  name?: string;
}

export async function startBroker(kind: BrokerKind, options: StartOptions = {}): Promise<Broker> {
  const recipe = RECIPES[kind];
  const image = await brokerImage();
  const kinds = (Object.keys(recipe.ports) as EndpointKind[]).filter((k) => recipe.ports[k] !== undefined);
  const hostPorts = new Map<EndpointKind, number>();
  for (const k of kinds) hostPorts.set(k, await freePort());
  let container = new GenericContainer(image)
    .withCommand([kind])
    .withExposedPorts(...kinds.map((k) => ({ container: recipe.ports[k]!, host: hostPorts.get(k)! })))
    .withLabels({ [TEST_LABEL]: 'true' })
    .withWaitStrategy(Wait.forLogMessage(options.readyLog ?? recipe.ready))
    .withStartupTimeout(120_000);
  if (options.sharedDirectory) container = container.withBindMounts([{ source: options.sharedDirectory, target: '/var/lib/umq', mode: 'rw' }]);
  if (options.name) container = container.withName(options.name);
  let started: StartedTestContainer;
  try {
    started = await container.start();
  } catch (error) {
    // testcontainers leaves a container that failed to start behind (and Ryuk cannot run here).
    await sweepContainers(`${TEST_LABEL}=true`, hostPorts).catch(() => undefined);
    throw error;
  }
  const id = started.getId();
  const endpoints: Endpoints = {};
  for (const k of kinds) endpoints[k] = recipe.schemes[k].replace('PORT', String(hostPorts.get(k)));
  let disposed = false;
  const broker: Broker = {
    kind,
    endpoints,
    protocols: kinds,
    username: recipe.username,
    password: recipe.password,
    containerId: id,
    kill: async () => void (await docker('kill', '--signal', 'KILL', id)),
    stop: async () => void (await docker('stop', '--time', '30', id)),
    pause: async () => void (await docker('pause', id)),
    unpause: async () => void (await docker('unpause', id)),
    disconnectNetwork: async () => void (await docker('network', 'disconnect', 'bridge', id)),
    reconnectNetwork: async () => void (await docker('network', 'connect', 'bridge', id)),
    start: async (readyLog) => {
      const since = new Date(Date.now() - 1000).toISOString();
      await docker('start', id);
      await waitForLog(id, readyLog ?? recipe.ready, since, 120_000);
    },
    restart: async () => {
      await docker('stop', '--time', '30', id);
      await broker.start();
    },
    logs: async () => {
      const { stdout, stderr } = await exec('docker', ['logs', id], { maxBuffer: 64 * 1024 * 1024 });
      return stdout + stderr;
    },
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await docker('rm', '--force', '--volumes', id).catch(() => undefined);
    },
  };
  return broker;
}

/** Removes containers with the label (optionally only those bound to one of `ports`). */
async function sweepContainers(label: string, ports?: Map<EndpointKind, number>): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=${label}`)).split('\n').filter(Boolean);
  for (const id of ids) {
    if (ports) {
      const config = await docker('inspect', '--format', '{{json .HostConfig.PortBindings}}', id).catch(() => '');
      if (![...ports.values()].some((port) => config.includes(`"${port}"`))) continue;
    }
    await docker('rm', '--force', '--volumes', id).catch(() => undefined);
  }
}

/** Removes every container the tests ever started (a safety net for crashed runs). */
export const sweepTestContainers = () => sweepContainers(`${TEST_LABEL}=true`);

export const startActiveMQ = (options?: StartOptions) => startBroker('activemq', options);
export const startRabbitMQ = (options?: StartOptions) => startBroker('rabbitmq', options);
export const startMosquitto = (options?: StartOptions) => startBroker('mosquitto', options);

/** True when a STOMP CONNECT on `stompUrl` is answered with CONNECTED (a standby's port accepts TCP, then closes). */
export function stompAnswers(stompUrl: string, timeoutMs = 2000): Promise<boolean> {
  const url = new URL(stompUrl);
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(url.port), url.hostname);
    let data = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('CONNECT\naccept-version:1.2\nhost:localhost\n\n\0'));
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
      if (data.startsWith('CONNECTED')) done(true);
      else if (data.length > 0 && data.includes('\0')) done(false);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

export interface ActiveMQPair {
  a: Broker;
  b: Broker;
  /** Per protocol, [a, b]. */
  endpoints: Partial<Record<EndpointKind, [string, string]>>;
  /** Which broker serves now (by a protocol-level handshake), if any. */
  active(): Promise<'a' | 'b' | undefined>;
  waitForActive(timeoutMs?: number): Promise<'a' | 'b'>;
  dispose(): Promise<void>;
}

/** Two ActiveMQ brokers sharing one KahaDB directory: Amazon MQ's active/standby topology. */
export async function startActiveMQPair(): Promise<ActiveMQPair> {
  const shared = await mkdtemp(join(tmpdir(), 'umq-kahadb-'));
  const started: Broker[] = [];
  try {
    const a = await startActiveMQ({ sharedDirectory: shared });
    started.push(a);
    const b = await startActiveMQ({ sharedDirectory: shared, readyLog: ACTIVEMQ_STANDBY_LOG });
    started.push(b);
    const endpoints: ActiveMQPair['endpoints'] = {};
    for (const k of a.protocols) endpoints[k] = [a.endpoints[k]!, b.endpoints[k]!];
    const active = async (): Promise<'a' | 'b' | undefined> => {
      const [okA, okB] = await Promise.all([stompAnswers(a.endpoints.stomp!), stompAnswers(b.endpoints.stomp!)]);
      return okA ? 'a' : okB ? 'b' : undefined;
    };
    return {
      a,
      b,
      endpoints,
      active,
      async waitForActive(timeoutMs = 30_000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const which = await active();
          if (which) return which;
          if (Date.now() > deadline) throw new Error(`neither broker of the pair serves after ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      async dispose() {
        await Promise.all(started.map((broker) => broker.dispose()));
        await rm(shared, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((broker) => broker.dispose()));
    await rm(shared, { recursive: true, force: true });
    throw error;
  }
}
