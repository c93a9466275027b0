/**
 * Brokers in containers for the integration tests: testcontainers' GenericContainer on the image that
 * scripts/ensure-images.sh builds offline from Debian packages (ActiveMQ 5.17, RabbitMQ 3.10, Mosquitto 2.0).
 *
 * - Endpoints are full URLs on 127.0.0.1. Host ports are picked up front and bound explicitly, so a broker
 *   that is killed, stopped, restarted or cut off the network comes back on the SAME endpoints (with
 *   ephemeral bindings Docker would hand out new host ports on every start). Failover tests rely on this:
 *   clients list every endpoint before anything happens. The ports lie below the kernel's ephemeral range,
 *   so nothing else takes one while its broker is stopped (see brokerPort()).
 * - Readiness means "the protocol answers": the broker's ready line in the log, then a protocol-level
 *   handshake on each TCP protocol (MQTT CONNACK, STOMP CONNECTED, AMQP header). A TCP accept alone proves
 *   nothing: Docker's port proxy accepts on the mapped port even when nothing listens behind it.
 * - Faults go through the docker CLI (kill, stop, pause, network disconnect), which testcontainers does not wrap.
 * - Cleanup: every container carries the label `unified-mq.test` and the pid of the process that started it.
 *   dispose() removes it; a process exit hook removes whatever a crashed test left behind; and
 *   sweepOrphanedContainers() (run by the global setup and teardown) removes containers whose owner process
 *   is gone. Containers of OTHER live test runs on the same engine are never touched.
 */
import { execFile, execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { threadId } from 'node:worker_threads';
import { GenericContainer, Wait } from 'testcontainers';

// No Ryuk: its image cannot be pulled here, and the fixtures clean up themselves.
process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

const exec = promisify(execFile);
const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export type BrokerKind = 'activemq' | 'rabbitmq' | 'mosquitto';
export type Protocol = 'mqtt' | 'stomp' | 'amqp' | 'openwire' | 'mqtt-ws' | 'stomp-ws';
/** @deprecated alias of Protocol */
export type EndpointKind = Protocol;
export type Endpoints = Partial<Record<Protocol, string>>;

/** What a test needs to reach a broker. Plain data, so the global setup can `provide` it to test files. */
export interface BrokerInfo {
  kind: BrokerKind;
  /** Per protocol the image serves, a full URL on 127.0.0.1, e.g. `mqtt://127.0.0.1:32771`, `ws://127.0.0.1:32775/ws`. */
  endpoints: Endpoints;
  /** The protocols this broker serves (the keys of `endpoints`). */
  protocols: Protocol[];
  /** The host port of each protocol (handy for startFaultProxy('127.0.0.1', ports.mqtt)). */
  ports: Partial<Record<Protocol, number>>;
  /** RabbitMQ: guest/guest. ActiveMQ and Mosquitto accept anonymous clients: undefined. */
  username: string | undefined;
  password: string | undefined;
  /** The container (shared brokers too), for a test that must configure the broker (e.g. a policy). */
  containerId?: string;
}

/** Runs a command inside a broker's container (e.g. rabbitmqctl); resolves with its output. */
export function dockerExec(info: BrokerInfo, ...command: string[]): Promise<string> {
  if (!info.containerId) throw new Error(`no container is known for this ${info.kind}`);
  return docker('exec', info.containerId, ...command);
}

export interface Broker extends BrokerInfo {
  readonly containerId: string;
  readonly containerName: string;
  /** SIGKILL: the broker dies at once, sockets close, nothing is flushed. The host ports then refuse. */
  kill(): Promise<void>;
  /** A graceful stop (SIGTERM, up to 30 s), as for a maintenance reboot. */
  stop(): Promise<void>;
  /**
   * `docker pause`: the broker freezes; its sockets stay open and silent. Only heartbeats can tell.
   * Resolves with the instant (Date.now() scale) the engine froze it, from its event log: the CLI
   * returns some 100 ms later, and starts about as long before.
   */
  pause(): Promise<number>;
  unpause(): Promise<void>;
  /**
   * `docker network disconnect bridge`. Seen from the host through 127.0.0.1 this is NOT a silent partition:
   * Docker removes the port mapping, so existing connections through it are closed and new ones are refused
   * (like a crash), while the broker itself keeps running and may not notice its clients are gone until its
   * own heartbeat/keepalive timeout (it keeps their sessions). For a silent partition use pause() or the
   * fault proxy's blackhole(). Resolves with the instant the command started: the sockets close during it,
   * before the engine logs the disconnect.
   */
  disconnectNetwork(): Promise<number>;
  /**
   * `docker network connect bridge`. Docker re-creates the port mapping with the same fixed host ports
   * (the container may get a new bridge IP, which host clients never see); this resolves once the
   * broker's protocols answer again on the unchanged endpoints.
   */
  reconnectNetwork(): Promise<void>;
  /** Starts a stopped or killed broker again (same endpoints) and waits until it is ready. */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** The whole container log (stdout and stderr). */
  logs(): Promise<string>;
  /** Waits until the log (since `since`, default: everything) matches `pattern`. */
  waitForLog(pattern: RegExp, options?: { since?: Date | string; timeoutMs?: number }): Promise<void>;
  /** Removes the container. Never throws; safe to call twice. */
  dispose(): Promise<void>;
}

interface Recipe {
  /** container port per protocol */
  ports: Partial<Record<Protocol, number>>;
  /** the log line that means "serving" */
  ready: RegExp;
  username: string | undefined;
  password: string | undefined;
}

const URL_TEMPLATES: Record<Protocol, (port: number) => string> = {
  mqtt: (p) => `mqtt://127.0.0.1:${p}`,
  stomp: (p) => `stomp://127.0.0.1:${p}`,
  amqp: (p) => `amqp://127.0.0.1:${p}`,
  openwire: (p) => `tcp://127.0.0.1:${p}`,
  'mqtt-ws': (p) => `ws://127.0.0.1:${p}/ws`,
  'stomp-ws': (p) => `ws://127.0.0.1:${p}/ws`,
};

export const ACTIVEMQ_READY_LOG = /Apache ActiveMQ [\d.]+ \(umq, [^)]*\) started/;
/** What a broker of the pair logs when it finds the shared KahaDB locked and waits as the standby. */
export const ACTIVEMQ_STANDBY_LOG = /slave mode waiting a lock|is locked by another server/i;

const RECIPES: Record<BrokerKind, Recipe> = {
  // Debian's ActiveMQ has no AMQP and no WebSocket transport (activemq-amqp / activemq-http are not packaged);
  // an image whose ActiveMQ has activemq-amqp also serves AMQP on 5672 (see activemqServesAmqp()).
  activemq: { ports: { mqtt: 1883, stomp: 61613, openwire: 61616 }, ready: ACTIVEMQ_READY_LOG, username: undefined, password: undefined },
  rabbitmq: {
    ports: { amqp: 5672, mqtt: 1883, stomp: 61613, 'stomp-ws': 15674, 'mqtt-ws': 15675 },
    ready: /Server startup complete; \d+ plugins started|completed with \d+ plugins/,
    username: 'guest',
    password: 'guest',
  },
  // Debian's Mosquitto 2.0.11 is built without WebSockets.
  mosquitto: { ports: { mqtt: 1883 }, ready: /mosquitto version [\d.]+ running/, username: undefined, password: undefined },
};

// ---------------------------------------------------------------------------------------------------------
// The image

let imagePromise: Promise<string> | undefined;

/**
 * The broker image, built once per recipe by scripts/ensure-images.sh (a no-op when it exists).
 * UMQ_BROKER_IMAGE overrides it (the global setup sets it, so test workers do not run the script again).
 */
export function brokerImage(): Promise<string> {
  const preset = process.env.UMQ_BROKER_IMAGE;
  if (preset) return Promise.resolve(preset);
  imagePromise ??= exec('bash', [join(REPO_ROOT, 'scripts/ensure-images.sh')], { maxBuffer: 16 * 1024 * 1024, timeout: 20 * 60_000 })
    .then(({ stdout }) => {
      const image = stdout.trim().split('\n').pop();
      if (!image) throw new Error('scripts/ensure-images.sh printed no image name');
      return image;
    })
    .catch((error: unknown) => {
      imagePromise = undefined;
      throw error;
    });
  return imagePromise;
}

// ---------------------------------------------------------------------------------------------------------
// Ownership and cleanup

export const TEST_LABEL = 'unified-mq.test';
const OWNER_LABEL = 'unified-mq.test.owner';

/** Containers this process started and has not disposed of yet. */
const live = new Set<string>();
let exitHookInstalled = false;

function track(id: string): void {
  live.add(id);
  installExitHook();
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort when a test file or the runner exits without disposing (an uncaught error, process.exit):
  // 'exit' handlers must be synchronous, hence execFileSync.
  process.once('exit', () => {
    releasePorts([...heldPorts]);
    if (live.size === 0) return;
    try {
      execFileSync('docker', ['rm', '--force', '--volumes', ...live], { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // nothing more we can do here; the next global setup sweeps orphans
    }
  });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes test containers whose owner process is gone (a run that was killed before its teardown), plus,
 * with `includeOwn`, those this process started. Containers owned by other live processes (a colleague's
 * concurrent run) are left alone. Containers without an owner label (older fixtures) go after an hour.
 */
export async function sweepOrphanedContainers(options: { includeOwn?: boolean } = {}): Promise<string[]> {
  const out = await docker('ps', '-a', '--filter', `label=${TEST_LABEL}`, '--format', `{{.ID}}\t{{.Label "${OWNER_LABEL}"}}\t{{.CreatedAt}}`).catch(() => '');
  const doomed: string[] = [];
  for (const line of out.split('\n').filter(Boolean)) {
    const [id = '', owner = '', created = ''] = line.split('\t');
    const pid = Number(owner);
    if (owner === '') {
      const age = Date.now() - Date.parse(created.replace(/ [A-Z]+$/, '').replace(' +0000', 'Z').replace(' ', 'T'));
      if (age > 3_600_000) doomed.push(id);
    } else if ((options.includeOwn && pid === process.pid) || (pid !== process.pid && !processAlive(pid))) {
      doomed.push(id);
    }
  }
  if (doomed.length > 0) await docker('rm', '--force', '--volumes', ...doomed).catch(() => undefined);
  for (const id of doomed) for (const full of live) if (full.startsWith(id)) live.delete(full);
  return doomed;
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await exec('docker', args, { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return stdout;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Runs a docker fault command and returns when it took effect (Date.now() scale), read from the engine's
 * event log (`docker events`, nanoseconds); the time the command returned when the log has no such event.
 */
async function timedFault(command: string[], eventFilters: string[]): Promise<number> {
  const since = Date.now();
  await docker(...command);
  const until = Date.now();
  const out = await docker('events', '--since', (since / 1000).toFixed(3), '--until', ((until + 1) / 1000).toFixed(3), ...eventFilters, '--format', '{{.TimeNano}}')
    .catch(() => '');
  const nanos = out.trim().split('\n').filter(Boolean).pop();
  return nanos ? Number(BigInt(nanos) / 1_000_000n) : until;
}

/**
 * Host ports for broker containers come from below the kernel's ephemeral range (32768-60999 by default),
 * which every listen(0), and Docker for `-p 0`, draws from. A stopped broker's port is free meanwhile: in the
 * ephemeral range another process's next server or container could take it, and the broker's restart would
 * fail with "port is already allocated" (it did, in CI, while a pair file restarted a broker). Below the
 * range nothing takes it by chance; test processes share it through one lock file per port, which names
 * the owner's pid (a dead owner's lock is taken over) and goes when the broker is disposed of.
 */
const PORT_LOCKS = join(tmpdir(), 'umq-host-ports');
const RESERVED_FROM = 20_000;
const RESERVED_TO = Math.min(32_767, ephemeralFloor() - 1);
const heldPorts = new Set<number>();
/** What this process writes in its locks: the pid, and the thread (vitest may run files in worker threads). */
const LOCK_OWNER = `${process.pid}:${threadId}`;

function ephemeralFloor(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32_768;
  } catch {
    return 32_768;
  }
}

function readLock(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Claims `port` through its lock file; false when someone else holds it. The lock appears whole (written
 * aside, then hard-linked into place, which fails if the name exists), and a dead owner's lock is taken
 * over by renaming it away first, which only one claimant can do.
 */
function lockPort(port: number): boolean {
  const file = join(PORT_LOCKS, String(port));
  const draft = join(PORT_LOCKS, `.${LOCK_OWNER.replace(':', '-')}-${port}`);
  writeFileSync(draft, LOCK_OWNER);
  try {
    for (let tries = 0; tries < 2; tries++) {
      try {
        linkSync(draft, file);
        heldPorts.add(port);
        return true;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const owner = Number(readLock(file)?.split(':')[0]);
        // Unreadable, empty or owned by a live process: taken.
        if (!(owner > 0) || processAlive(owner)) return false;
        const stale = `${draft}.stale`;
        try {
          renameSync(file, stale);
        } catch {
          return false; // another claimant took it over first
        }
        rmSync(stale, { force: true });
      }
    }
    return false;
  } finally {
    rmSync(draft, { force: true });
  }
}

/** Gives up the locks of `ports` that this process (and thread) holds. */
function releasePorts(ports: Iterable<number>): void {
  for (const port of ports) {
    if (!heldPorts.delete(port)) continue;
    const file = join(PORT_LOCKS, String(port));
    if (readLock(file) === LOCK_OWNER) rmSync(file, { force: true });
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolveBind) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolveBind(false));
    server.listen(port, '0.0.0.0', () => server.close(() => resolveBind(true)));
  });
}

/** A host port for a broker: below the ephemeral range, locked for this process, and free right now. */
async function brokerPort(): Promise<number> {
  if (RESERVED_TO - RESERVED_FROM < 1000) {
    throw new Error(
      `the kernel's ephemeral port range starts at ${RESERVED_TO + 1} (net.ipv4.ip_local_port_range): broker host ports ` +
        `need room below it, from ${RESERVED_FROM} (the default range starts at 32768)`,
    );
  }
  mkdirSync(PORT_LOCKS, { recursive: true });
  installExitHook();
  for (let tries = 0; tries < 1000; tries++) {
    const port = RESERVED_FROM + Math.floor(Math.random() * (RESERVED_TO - RESERVED_FROM + 1));
    if (heldPorts.has(port) || !lockPort(port)) continue;
    if (await bindable(port)) return port;
    releasePorts([port]);
  }
  throw new Error(`no free host port between ${RESERVED_FROM} and ${RESERVED_TO} for a broker`);
}

let nameCounter = 0;
function containerName(kind: string): string {
  return `umq-${kind}-${process.pid}-${++nameCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

// ---------------------------------------------------------------------------------------------------------
// Protocol-level probes: "does a broker answer on this endpoint?"

/** Opens a TCP connection, writes `hello`, and resolves with `judge(bytes so far)` once it returns a verdict. */
function probe(url: string, hello: Buffer, judge: (data: Buffer) => boolean | undefined, timeoutMs: number): Promise<boolean> {
  const parsed = new URL(url);
  return new Promise((resolveProbe) => {
    const socket = tcpConnect(Number(parsed.port), parsed.hostname);
    let data = Buffer.alloc(0);
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolveProbe(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write(hello));
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const verdict = judge(data);
      if (verdict !== undefined) done(verdict);
    });
    socket.on('error', () => done(false));
    socket.on('close', () => done(false));
  });
}

/** True when a STOMP CONNECT on `url` is answered with CONNECTED. A standby's mapped port accepts TCP and closes it. */
export function stompAnswers(url: string, timeoutMs = 2000, credentials?: { username?: string; password?: string }): Promise<boolean> {
  const headers = ['CONNECT', 'accept-version:1.2', 'host:/', 'heart-beat:0,0'];
  if (credentials?.username !== undefined) headers.push(`login:${credentials.username}`, `passcode:${credentials.password ?? ''}`);
  const hello = Buffer.from(`${headers.join('\n')}\n\n\0`, 'latin1');
  return probe(url, hello, (data) => {
    const text = data.toString('latin1');
    if (text.startsWith('CONNECTED')) return true;
    return text.includes('\0') ? false : undefined;
  }, timeoutMs);
}

/** True when an MQTT 3.1.1 CONNECT on `url` is answered with CONNACK "accepted". */
export function mqttAnswers(url: string, timeoutMs = 2000, credentials?: { username?: string; password?: string }): Promise<boolean> {
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    return Buffer.concat([Buffer.from([b.length >> 8, b.length & 0xff]), b]);
  };
  let flags = 0x02; // clean session
  const payload = [str(`umq-probe-${process.pid}-${Math.random().toString(36).slice(2, 10)}`)];
  if (credentials?.username !== undefined) {
    flags |= 0x80;
    payload.push(str(credentials.username));
    if (credentials.password !== undefined) {
      flags |= 0x40;
      payload.push(str(credentials.password));
    }
  }
  const body = Buffer.concat([str('MQTT'), Buffer.from([4, flags, 0, 10]), ...payload]);
  const hello = Buffer.concat([Buffer.from([0x10, body.length]), body]); // short CONNECT: length < 128
  return probe(url, hello, (data) => (data.length < 4 ? undefined : data[0] === 0x20 && data[3] === 0), timeoutMs);
}

/** True when the peer answers an AMQP 1.0 SASL protocol header with an AMQP protocol header. */
export function amqpAnswers(url: string, timeoutMs = 2000): Promise<boolean> {
  const hello = Buffer.from([0x41, 0x4d, 0x51, 0x50, 3, 1, 0, 0]);
  return probe(url, hello, (data) => (data.length < 4 ? undefined : data.subarray(0, 4).toString('latin1') === 'AMQP'), timeoutMs);
}

/** True when every TCP protocol of `info` answers a protocol-level handshake (WebSocket and OpenWire are not probed). */
export async function brokerAnswers(info: BrokerInfo, timeoutMs = 2000): Promise<boolean> {
  const credentials = { username: info.username, password: info.password };
  const checks: Array<Promise<boolean>> = [];
  if (info.endpoints.mqtt) checks.push(mqttAnswers(info.endpoints.mqtt, timeoutMs, credentials));
  if (info.endpoints.stomp) checks.push(stompAnswers(info.endpoints.stomp, timeoutMs, credentials));
  if (info.endpoints.amqp) checks.push(amqpAnswers(info.endpoints.amqp, timeoutMs));
  return (await Promise.all(checks)).every(Boolean);
}

async function waitUntilAnswers(info: BrokerInfo, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await brokerAnswers(info))) {
    if (Date.now() > deadline) throw new Error(`${info.kind} on ${JSON.stringify(info.endpoints)} did not answer within ${timeoutMs} ms`);
    await sleep(100);
  }
}

/** `since`: a Date, or an RFC 3339 timestamp with nanoseconds (as Docker's State.StartedAt). */
async function containerLogs(id: string, since?: Date | string): Promise<string> {
  const args = ['logs', ...(since ? ['--since', typeof since === 'string' ? since : since.toISOString()] : []), id];
  const { stdout, stderr } = await exec('docker', args, { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 });
  return stdout + stderr;
}

async function waitForContainerLog(id: string, pattern: RegExp, since: Date | string | undefined, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await containerLogs(id, since).catch(() => '');
    if (pattern.test(text)) return;
    if (Date.now() > deadline) {
      throw new Error(`container ${id.slice(0, 12)} did not log ${pattern} within ${timeoutMs} ms; its last lines:\n${text.slice(-2000)}`);
    }
    await sleep(100);
  }
}

/**
 * Starts a stopped container; returns a timestamp that every log line of the new run comes after: when its
 * previous run ended. Not State.StartedAt: Docker records that after the process is already running, and a
 * broker as quick as Mosquitto logs its ready line about 7 ms later, so under load the line can carry an
 * earlier timestamp than StartedAt and `docker logs --since` leaves it out.
 */
async function startAgain(id: string): Promise<string> {
  const previousRunEnded = (await docker('inspect', '--format', '{{.State.FinishedAt}}', id)).trim();
  await docker('start', id);
  return previousRunEnded;
}

// ---------------------------------------------------------------------------------------------------------
// Starting a broker

export interface StartOptions {
  /** Bind-mount this host directory at /var/lib/umq (ActiveMQ keeps KahaDB in /var/lib/umq/kahadb). */
  sharedDirectory?: string;
  /** The log line that means "started" (default: the broker's ready line). */
  readyLog?: RegExp;
  /** Skip the protocol handshake after the ready line (the pair's standby opens no ports). */
  skipProtocolCheck?: boolean;
  /** Container name (default: umq-KIND-PID-N-RANDOM). */
  name?: string;
  startupTimeoutMs?: number;
}

/** True when the image's ActiveMQ has its AMQP module (a label set by scripts/ensure-images.sh; Debian's has not). */
export async function activemqServesAmqp(): Promise<boolean> {
  const image = await brokerImage();
  activemqAmqp ??= docker('image', 'inspect', '--format', '{{index .Config.Labels "umq.activemq.amqp"}}', image).then((label) => label.trim() === 'true');
  return activemqAmqp;
}
let activemqAmqp: Promise<boolean> | undefined;

export async function startBroker(kind: BrokerKind, options: StartOptions = {}): Promise<Broker> {
  const base = RECIPES[kind];
  const image = await brokerImage();
  const recipe = kind === 'activemq' && (await activemqServesAmqp()) ? { ...base, ports: { ...base.ports, amqp: 5672 } } : base;
  const protocols = Object.keys(recipe.ports) as Protocol[];
  const readyLog = options.readyLog ?? recipe.ready;
  const startupTimeoutMs = options.startupTimeoutMs ?? 120_000;

  // A host port picked here can, rarely, be taken by another process before Docker binds it: retry.
  let attempt = 0;
  for (;;) {
    attempt++;
    const name = options.name ?? containerName(kind);
    const ports: Partial<Record<Protocol, number>> = {};
    for (const p of protocols) ports[p] = await brokerPort();
    let container = new GenericContainer(image)
      .withName(name)
      .withCommand([kind])
      .withExposedPorts(...protocols.map((p) => ({ container: recipe.ports[p]!, host: ports[p]! })))
      .withLabels({ [TEST_LABEL]: 'true', [OWNER_LABEL]: String(process.pid) })
      .withWaitStrategy(Wait.forLogMessage(readyLog))
      .withStartupTimeout(startupTimeoutMs);
    if (options.sharedDirectory) container = container.withBindMounts([{ source: options.sharedDirectory, target: '/var/lib/umq', mode: 'rw' }]);
    let id: string;
    try {
      id = (await container.start()).getId();
    } catch (error) {
      // testcontainers leaves a container that failed its wait strategy behind (and no Ryuk runs here).
      await docker('rm', '--force', '--volumes', name).catch(() => undefined);
      releasePorts(Object.values(ports));
      if (attempt < 3 && /port is already allocated|address already in use/i.test(String(error))) continue;
      throw error;
    }
    track(id);
    const endpoints: Endpoints = {};
    for (const p of protocols) endpoints[p] = URL_TEMPLATES[p](ports[p]!);
    const info: BrokerInfo = { kind, endpoints, protocols, ports, username: recipe.username, password: recipe.password };
    const broker = makeBroker(id, name, info, readyLog, !options.skipProtocolCheck, startupTimeoutMs);
    try {
      if (!options.skipProtocolCheck) await waitUntilAnswers(info, 30_000);
    } catch (error) {
      await broker.dispose();
      throw error;
    }
    return broker;
  }
}

function makeBroker(id: string, name: string, info: BrokerInfo, readyLog: RegExp, protocolCheck: boolean, startupTimeoutMs: number): Broker {
  let disposed = false;
  const ready = async (since: string) => {
    await waitForContainerLog(id, readyLog, since, startupTimeoutMs);
    if (protocolCheck) await waitUntilAnswers(info, 30_000);
  };
  const broker: Broker = {
    ...info,
    containerId: id,
    containerName: name,
    kill: async () => void (await docker('kill', '--signal', 'KILL', id)),
    stop: async () => void (await docker('stop', '--time', '30', id)),
    pause: () => timedFault(['pause', id], ['--filter', `container=${id}`, '--filter', 'event=pause']),
    unpause: async () => void (await docker('unpause', id)),
    // The engine logs the disconnect once it is done, after the port mapping (and the sockets through it)
    // are gone: the fault takes effect during the command, so it is timed from its start.
    disconnectNetwork: async () => {
      const since = Date.now();
      await docker('network', 'disconnect', 'bridge', id);
      return since;
    },
    reconnectNetwork: async () => {
      await docker('network', 'connect', 'bridge', id);
      if (protocolCheck) await waitUntilAnswers(info, 30_000);
    },
    start: async () => ready(await startAgain(id)),
    restart: async () => {
      await broker.stop();
      await broker.start();
    },
    logs: () => containerLogs(id),
    waitForLog: (pattern, opts = {}) => waitForContainerLog(id, pattern, opts.since, opts.timeoutMs ?? 60_000),
    dispose: async () => {
      if (disposed) return;
      disposed = true;
      await docker('rm', '--force', '--volumes', id).catch(() => undefined);
      live.delete(id);
      releasePorts(Object.values(info.ports));
    },
  };
  return broker;
}

export const startActiveMQ = (options?: StartOptions) => startBroker('activemq', options);
export const startRabbitMQ = (options?: StartOptions) => startBroker('rabbitmq', options);
export const startMosquitto = (options?: StartOptions) => startBroker('mosquitto', options);

// ---------------------------------------------------------------------------------------------------------
// The ActiveMQ active/standby pair

export interface ActiveMQPair {
  /**
   * The two brokers, with every fault control of Broker. Their start()/restart() wait for either the
   * "started" or the "waiting for the lock" line (a broker comes back as whatever it finds), and
   * reconnectNetwork() does not wait for the protocols (a standby opens none): use waitForActive().
   */
  a: Broker;
  b: Broker;
  /** Per protocol, [a, b]: both endpoints are known (and mapped) up front, also the standby's. */
  endpoints: Partial<Record<Protocol, [string, string]>>;
  protocols: Protocol[];
  username: undefined;
  password: undefined;
  /** The host directory both brokers mount (KahaDB and its lock file). */
  sharedDirectory: string;
  /** Which broker serves now, by a STOMP CONNECT on each (a TCP accept proves nothing); undefined if neither. */
  active(): Promise<'a' | 'b' | undefined>;
  /** Polls active() every 50 ms until one serves; throws after `timeoutMs` (default 30 s). */
  waitForActive(timeoutMs?: number): Promise<'a' | 'b'>;
  /**
   * Brings back a member that an earlier, failed case left stopped, paused or off the network (it returns
   * as whatever it finds), then waits for an active one: so one failure does not time out every case after it.
   */
  heal(): Promise<void>;
  /** Removes both containers and the shared directory. Never throws. */
  dispose(): Promise<void>;
}

/**
 * Two ActiveMQ brokers sharing one KahaDB directory (a host temp dir bind-mounted into both): Amazon MQ's
 * active/standby topology. Whoever holds the KahaDB file lock is active and opens its ports; the other logs
 * that it waits for the lock. `a` is started first and is active; `b` is the standby. After a fault, a
 * broker restarted with start() comes back as whatever it finds (usually the standby).
 */
export async function startActiveMQPair(): Promise<ActiveMQPair> {
  const shared = await mkdtemp(join(tmpdir(), 'umq-kahadb-'));
  const started: Broker[] = [];
  const cleanup = async () => {
    await Promise.all(started.map((broker) => broker.dispose()));
    await rm(shared, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    const either = new RegExp(`${ACTIVEMQ_READY_LOG.source}|${ACTIVEMQ_STANDBY_LOG.source}`, 'i');
    // a: must become active (its ready line), and answer STOMP.
    const a = await startActiveMQ({ sharedDirectory: shared });
    started.push(a);
    // b: ready when it logs that it waits for the lock; it opens no ports until it gets it.
    const b = await startActiveMQ({ sharedDirectory: shared, readyLog: ACTIVEMQ_STANDBY_LOG, skipProtocolCheck: true });
    started.push(b);
    // After a fault, either may come back as active or standby: restarts wait for either line.
    const members = [a, b].map((broker) => withReadyLog(broker, either)) as [Broker, Broker];
    const endpoints: ActiveMQPair['endpoints'] = {};
    for (const p of a.protocols) endpoints[p] = [a.endpoints[p]!, b.endpoints[p]!];
    const active = async (): Promise<'a' | 'b' | undefined> => {
      const [okA, okB] = await Promise.all([stompAnswers(a.endpoints.stomp!, 1000), stompAnswers(b.endpoints.stomp!, 1000)]);
      return okA ? 'a' : okB ? 'b' : undefined;
    };
    const waitForActive = async (timeoutMs = 30_000): Promise<'a' | 'b'> => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const which = await active();
        if (which) return which;
        if (Date.now() > deadline) throw new Error(`neither broker of the ActiveMQ pair serves STOMP after ${timeoutMs} ms`);
        await sleep(50);
      }
    };
    return {
      a: members[0],
      b: members[1],
      endpoints,
      protocols: a.protocols,
      username: undefined,
      password: undefined,
      sharedDirectory: shared,
      active,
      waitForActive,
      async heal() {
        await Promise.all(members.map(async (member) => {
          const state = (await docker('inspect', '--format', '{{.State.Status}} {{json .NetworkSettings.Networks}}', member.containerId)).trim();
          if (state.startsWith('paused')) await member.unpause();
          if (!state.includes('"bridge"')) await member.reconnectNetwork();
          if (!state.startsWith('running') && !state.startsWith('paused')) await member.start();
        }));
        await waitForActive(60_000);
      },
      dispose: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** The same broker, but start()/restart() wait for `readyLog` and skip the protocol check (a standby opens no ports). */
function withReadyLog(broker: Broker, readyLog: RegExp): Broker {
  const start = async () => {
    const since = await startAgain(broker.containerId);
    await broker.waitForLog(readyLog, { since, timeoutMs: 120_000 });
  };
  return {
    ...broker,
    start,
    restart: async () => {
      await broker.stop();
      await start();
    },
    reconnectNetwork: async () => void (await docker('network', 'connect', 'bridge', broker.containerId)),
  };
}
