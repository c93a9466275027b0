/**
 * Endpoint lists: an array of URLs (active first, then standby), or one ActiveMQ-style failover URI,
 * `failover:(stomp://a:61613,stomp://b:61613)?randomize=false&maxReconnectDelay=5000`, whose option
 * names follow ActiveMQ's failover transport so that users can paste their existing URIs.
 */
import { InvalidArgumentError } from './errors.js';
import type { Endpoint } from './transport.js';
import type { FailoverOptions } from './types.js';
import { redact, redactUnparsable, redactUrl } from './redact.js';

const SECURE_SCHEMES = new Set(['mqtts', 'mqtt+ssl', 'amqps', 'amqp+ssl', 'stomp+ssl', 'stomp+tls', 'wss', 'ssl', 'tls']);

/** What {@link parseEndpoints} makes of an endpoint list or a `failover:` URI. */
export interface ParsedEndpoints {
  /** The endpoints in order: active first, then standby. */
  endpoints: Endpoint[];
  /** Options given in a failover URI, translated to our names. */
  failover: FailoverOptions;
  /** ActiveMQ's `timeout`: how long a publish may wait for a connection (ms); undefined means forever. */
  publishTimeoutMs: number | undefined;
}

/** Parses one endpoint URL such as `stomp+ssl://user:pass@b-1.example:61614`; throws `InvalidArgumentError` when it is not one. */
export function parseEndpoint(url: string): Endpoint {
  if (typeof url !== 'string' || url.trim() === '') {
    throw new InvalidArgumentError('An endpoint must be a non-empty URL such as "mqtt://broker:1883"');
  }
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch (cause) {
    throw new InvalidArgumentError(`Endpoint ${JSON.stringify(redactUnparsable(url))} is not a valid URL`);
  }
  const scheme = parsed.protocol.slice(0, -1).toLowerCase();
  if (scheme !== 'memory' && parsed.hostname === '') {
    throw new InvalidArgumentError(`Endpoint ${JSON.stringify(redactUrl(parsed))} has no host`);
  }
  const params = new Map<string, string>();
  parsed.searchParams.forEach((value, key) => params.set(key, value));
  const port = parsed.port === '' ? undefined : Number(parsed.port);
  const username = parsed.username === '' ? undefined : decodeUserinfo(parsed.username, parsed);
  const password = parsed.password === '' ? undefined : decodeUserinfo(parsed.password, parsed);
  return {
    url: url.trim(),
    display: redactUrl(parsed),
    scheme,
    // IPv6 hosts come bracketed from URL; sockets want them bare.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    path: parsed.pathname === '/' ? '' : parsed.pathname,
    secure: SECURE_SCHEMES.has(scheme),
    username,
    password,
    params,
  };
}

/** A percent-encoded user name or password; a stray `%` (not followed by two hex digits) is refused. */
function decodeUserinfo(text: string, url: URL): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new InvalidArgumentError(`Endpoint ${JSON.stringify(redactUrl(url))} has a malformed %-escape in its user name or password; write % as %25`);
  }
}

/**
 * Splits `a,b(c,d),e` on top-level commas only (nested URIs may carry their own lists). Unbalanced
 * parentheses are refused: the list would not split where the user meant, and one endpoint's password
 * could end up in another's path, which is shown unredacted.
 */
function splitTopLevel(list: string, uri: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(list.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) break;
  }
  if (depth !== 0) throw new InvalidArgumentError(`Failover URI ${JSON.stringify(redactUnparsable(uri))} has unbalanced parentheses`);
  parts.push(list.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== '');
}

function numberOption(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw InvalidArgumentError.format(name, `must be a number, got ${JSON.stringify(redact(value))}`);
  return n;
}

/** ActiveMQ counts -1 as "forever" for attempts; we use Infinity. */
function attempts(name: string, value: string): number {
  const n = numberOption(name, value);
  return n < 0 ? Infinity : n;
}

function booleanOption(name: string, value: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw InvalidArgumentError.format(name, `must be true or false, got ${JSON.stringify(redact(value))}`);
}

function parseFailoverUri(uri: string): ParsedEndpoints {
  const match = /^failover:(?:\/\/)?(\((.*)\)|([^?]*))(?:\?(.*))?$/is.exec(uri.trim());
  if (!match) throw new InvalidArgumentError(`Failover URI ${JSON.stringify(redactUnparsable(uri))} is malformed`);
  const list = match[2] ?? match[3] ?? '';
  const endpoints = splitTopLevel(list, uri).map(parseEndpoint);
  const failover: FailoverOptions = {};
  let publishTimeoutMs: number | undefined;
  let exponential = true;
  let exponent: number | undefined;
  for (const [key, value] of new URLSearchParams(match[4] ?? '')) {
    switch (key) {
      case 'randomize': failover.randomize = booleanOption(key, value); break;
      case 'initialReconnectDelay': failover.initialDelayMs = numberOption(key, value); break;
      case 'maxReconnectDelay': failover.maxDelayMs = numberOption(key, value); break;
      case 'useExponentialBackOff': exponential = booleanOption(key, value); break;
      case 'reconnectDelayExponent': exponent = numberOption(key, value); break;
      case 'maxReconnectAttempts': failover.maxAttempts = attempts(key, value); break;
      case 'startupMaxReconnectAttempts': failover.startupMaxAttempts = attempts(key, value); break;
      case 'priorityBackup': failover.priorityBackup = booleanOption(key, value); break;
      case 'timeout': {
        const t = numberOption(key, value);
        publishTimeoutMs = t < 0 ? undefined : t;
        break;
      }
      default:
        // redact(): a list without parentheses can turn the next endpoint, password and all, into an option name.
        throw new InvalidArgumentError(
          `Failover URI option "${redact(key)}" is not supported; supported: randomize, initialReconnectDelay, ` +
            'maxReconnectDelay, useExponentialBackOff, reconnectDelayExponent, maxReconnectAttempts, ' +
            'startupMaxReconnectAttempts, priorityBackup, timeout',
        );
    }
  }
  if (!exponential) failover.multiplier = 1;
  else if (exponent !== undefined) failover.multiplier = exponent;
  return { endpoints, failover, publishTimeoutMs };
}

/**
 * Parses `endpoints` as given to `connect`: one URL, an array of URLs, or one failover URI.
 * Throws {@link InvalidArgumentError} naming the offending endpoint (with its password removed).
 */
export function parseEndpoints(input: string | readonly string[]): ParsedEndpoints {
  const list = typeof input === 'string' ? [input] : [...input];
  if (list.length === 0) throw new InvalidArgumentError('At least one endpoint is required');
  if (list.length === 1 && /^failover:/i.test(list[0]!.trim())) return parseFailoverUri(list[0]!);
  return { endpoints: list.map(parseEndpoint), failover: {}, publishTimeoutMs: undefined };
}
