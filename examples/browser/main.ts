/**
 * unified-mq in a web page: STOMP over WebSocket with two wss:// endpoints (active, then standby), the
 * connection state, incoming messages and failover events shown live.
 *
 *   npm run example:browser      # builds the package, then bundles this page into examples/browser/dist/
 *   open examples/browser/dist/index.html?endpoints=wss://b-1:15673/ws,wss://b-2:15673/ws&username=guest&password=guest
 *
 * Query parameters: `endpoints` (comma-separated), `username`, `password`, `topic` (the subscription
 * pattern, default `demo.#`). A user's page would take them from its own configuration; the query string
 * keeps the example one file.
 */
import { connect, type Client, type Message } from 'unified-mq';
import { stomp } from 'unified-mq/stomp';

const params = new URLSearchParams(location.search);
const endpoints = (params.get('endpoints') ?? 'wss://broker-1.example:15673/ws,wss://broker-2.example:15673/ws').split(',');
const topic = params.get('topic') ?? 'demo.#';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const stateView = element<HTMLSpanElement>('state');
const endpointView = element<HTMLElement>('endpoint');
const decoder = new TextDecoder();

/** Appends a line to a list, newest last. textContent: message bodies are never parsed as HTML. */
function append(list: string, line: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()} ${line}`;
  element<HTMLOListElement>(list).append(item);
}

function showState(client: Client): void {
  stateView.textContent = client.state;
  stateView.dataset.state = client.state;
  endpointView.textContent = client.endpoint ?? 'none';
}

function show(message: Message): void {
  const flag = message.possibleDuplicate ? ' (possible duplicate)' : '';
  append('messages', `${message.destination}: ${decoder.decode(message.bytes)}${flag}`);
}

async function main(): Promise<void> {
  append('events', `connecting to ${endpoints.join(', ')}`);
  const client = await connect({
    transport: stomp(),
    endpoints,
    username: params.get('username') ?? undefined,
    password: params.get('password') ?? undefined,
  });
  showState(client);
  client.on('connected', ({ endpoint }) => (append('events', `connected to ${endpoint}`), showState(client)));
  client.on('disconnected', ({ endpoint, error }) => (append('events', `lost ${endpoint}: ${error.message}`), showState(client)));
  client.on('reconnecting', ({ attempt, delayMs, endpoint }) => (append('events', `reconnecting: attempt ${attempt} to ${endpoint} in ${delayMs} ms`), showState(client)));
  client.on('failover', ({ from, to, downtimeMs }) => (append('events', `failover from ${from} to ${to} after ${downtimeMs} ms`), showState(client)));
  client.on('resubscribed', ({ count }) => append('events', `${count} subscription(s) restored`));
  client.on('error', ({ error }) => append('events', `error: ${error.message}`));
  append('events', `connected to ${client.endpoint}`);

  await client.subscribe(topic, show);
  append('events', `subscribed to ${topic}`);

  element<HTMLFormElement>('publish').addEventListener('submit', (event) => {
    event.preventDefault();
    const destination = element<HTMLInputElement>('destination').value;
    const body = element<HTMLInputElement>('body').value;
    // Resolves once the broker confirmed it; while disconnected it waits in the offline buffer.
    client.publish(destination, body).catch((error: Error) => append('events', `publish failed: ${error.message}`));
  });
  addEventListener('pagehide', () => void client.close());
}

main().catch((error: Error) => {
  stateView.textContent = 'failed';
  append('events', `could not connect: ${error.message}`);
});
