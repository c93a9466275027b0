/**
 * The test matrix, in one place: every transport × broker combination, whether it can run on this
 * machine, and if not, why. Each runnable entry has a fixture file `test/conformance/<id>.test.ts`
 * whose suite is named `conformance: <id>`; `scripts/check-matrix.mjs` fails CI when a runnable entry
 * did not run or did not pass.
 */
export interface MatrixEntry {
  /** `<transport>-<broker>[-<medium>]`, also the fixture's file name. */
  id: string;
  transport: 'memory' | 'mqtt' | 'stomp' | 'amqp';
  broker: 'memory' | 'activemq' | 'rabbitmq' | 'mosquitto';
  medium: 'in-process' | 'tcp' | 'ws';
  /**
   * true or false, or a fact that the integration project's global setup records in
   * .cache/matrix-facts.json: the entry must run (and pass) exactly when the fact holds.
   */
  runnable: boolean | 'activemq-serves-amqp';
  /** Why it cannot run here (when not runnable, or when its fact does not hold). */
  reason?: string;
  /**
   * Cases of the suite this fixture does not run, each with the reason: the key is a case path as the
   * report shows it under the fixture's suite, `group › case`, or a leading part of one (`failover` covers
   * every case of that group). A case that needs a capability the combination lacks (or checks one it
   * lacks) is told apart by the suite itself and needs no entry. scripts/check-matrix.mjs fails on any
   * case that ran on another fixture, but not on this one, without a reason here.
   */
  notRun?: Readonly<Record<string, string>>;
}

const NO_PULL = 'No container registry is reachable here, so brokers are built from Debian packages';

export const MATRIX: readonly MatrixEntry[] = [
  { id: 'memory', transport: 'memory', broker: 'memory', medium: 'in-process', runnable: true },
  { id: 'mqtt-activemq', transport: 'mqtt', broker: 'activemq', medium: 'tcp', runnable: true },
  { id: 'mqtt-rabbitmq', transport: 'mqtt', broker: 'rabbitmq', medium: 'tcp', runnable: true },
  { id: 'mqtt-rabbitmq-ws', transport: 'mqtt', broker: 'rabbitmq', medium: 'ws', runnable: true },
  { id: 'mqtt-mosquitto', transport: 'mqtt', broker: 'mosquitto', medium: 'tcp', runnable: true },
  { id: 'stomp-activemq', transport: 'stomp', broker: 'activemq', medium: 'tcp', runnable: true },
  { id: 'stomp-rabbitmq', transport: 'stomp', broker: 'rabbitmq', medium: 'tcp', runnable: true },
  { id: 'stomp-rabbitmq-ws', transport: 'stomp', broker: 'rabbitmq', medium: 'ws', runnable: true },
  { id: 'amqp-rabbitmq', transport: 'amqp', broker: 'rabbitmq', medium: 'tcp', runnable: true },
  {
    // The fixture runs the whole suite whenever the image's ActiveMQ serves AMQP (the official image does).
    id: 'amqp-activemq', transport: 'amqp', broker: 'activemq', medium: 'tcp', runnable: 'activemq-serves-amqp',
    reason: `${NO_PULL}; Debian's activemq 5.17 package leaves out the activemq-amqp module, so the broker serves no AMQP`,
    notRun: {
      'offline buffer': 'no broker here serves AMQP on ActiveMQ, so no fault proxy for it was ever tried; add proxiedOutage once one does',
      failover: 'no broker here serves AMQP on ActiveMQ, so no fault proxy for it was ever tried; add proxiedPair once one does',
    },
  },
  {
    id: 'mqtt-activemq-ws', transport: 'mqtt', broker: 'activemq', medium: 'ws', runnable: false,
    reason: `${NO_PULL}; Debian's activemq package leaves out activemq-http, so the broker has no WebSocket transport`,
  },
  {
    id: 'stomp-activemq-ws', transport: 'stomp', broker: 'activemq', medium: 'ws', runnable: false,
    reason: `${NO_PULL}; Debian's activemq package leaves out activemq-http, so the broker has no WebSocket transport`,
  },
  {
    id: 'amqp-rabbitmq-ws', transport: 'amqp', broker: 'rabbitmq', medium: 'ws', runnable: false,
    reason: 'RabbitMQ 3.10 serves AMQP 1.0 over TCP only; AMQP over WebSocket arrived in RabbitMQ 4.x',
  },
  {
    id: 'mqtt-mosquitto-ws', transport: 'mqtt', broker: 'mosquitto', medium: 'ws', runnable: false,
    reason: "Debian's mosquitto 2.0.11 is built without WebSocket support",
  },
];
