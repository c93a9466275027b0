/**
 * Fuzzing the endpoint parser and ActiveMQ-style failover URIs (src/core/endpoints.ts): any string is
 * either parsed or refused with InvalidArgumentError, and a password never shows in what comes out.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, parseEndpoints } from '../../src/index.js';
import { RUNS } from './streams.js';

/** Parses `input`; anything thrown must be an InvalidArgumentError. */
function parseOrRefuse(input: string | string[]) {
  try {
    return parseEndpoints(input);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidArgumentError);
    return error as InvalidArgumentError;
  }
}

const urlChars = fc.string({ unit: fc.constantFrom(...'abz09:/?#@[]()%,=&.-+!*\'$ \t\n'), maxLength: 40 });
const scheme = fc.constantFrom('mqtt', 'mqtts', 'amqp', 'amqps', 'stomp', 'stomp+ssl', 'ws', 'wss', 'memory', 'tcp', 'x');
const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6().map((ip) => `[${ip}]`), fc.constant(''));
const port = fc.oneof(fc.constant(''), fc.integer({ min: 0, max: 70_000 }).map((p) => `:${p}`), fc.constant(':x'));
// Long enough, and of letters only, that it cannot turn up in a message by chance.
const password = fc.string({ unit: fc.constantFrom(...'QWXZqwxz'), minLength: 12, maxLength: 20 });
const endpointUrlWith = (tail: fc.Arbitrary<string>) => fc.tuple(scheme, fc.option(password), host, port, fc.option(tail))
  .map(([s, pass, h, p, rest]) => `${s}://${pass === null ? '' : `user:${pass}@`}${h}${p}${rest ?? ''}`);
const endpointUrl = endpointUrlWith(urlChars);
// For the password property: no `@` after the host, so that each password sits in its own userinfo (a URL
// whose path holds `user:pw@` is a path, shown as given).
const delimitedUrl = endpointUrlWith(urlChars.map((s) => s.replaceAll('@', '')));
const option = fc.tuple(
  fc.constantFrom('randomize', 'initialReconnectDelay', 'maxReconnectDelay', 'useExponentialBackOff', 'reconnectDelayExponent',
    'maxReconnectAttempts', 'startupMaxReconnectAttempts', 'priorityBackup', 'timeout', 'bogus'),
  fc.oneof(fc.constantFrom('true', 'false', '-1', '0', '10', '1e3', 'NaN', 'Infinity', ''), urlChars),
).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
const failoverUriOf = (url: fc.Arbitrary<string>) => fc.tuple(fc.array(url, { maxLength: 4 }), fc.boolean(), fc.array(option, { maxLength: 4 }))
  .map(([list, parens, options]) =>
    `failover:${parens ? `(${list.join(',')})` : list.join(',')}${options.length ? `?${options.join('&')}` : ''}`);
const failoverUri = failoverUriOf(endpointUrl);

describe('fuzz: endpoint and failover URI parser', () => {
  it('parses or refuses any string with InvalidArgumentError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), urlChars, endpointUrl, failoverUri, urlChars.map((s) => `failover:${s}`)), (input) => {
        parseOrRefuse(input);
        parseOrRefuse([input, input]);
      }),
      { numRuns: RUNS },
    );
  });

  it('never shows a password in a display form or an error message', () => {
    fc.assert(
      fc.property(fc.oneof(delimitedUrl, failoverUriOf(delimitedUrl)), password, (input, secret) => {
        const withSecret = input.includes('@') ? input : input.replace('://', `://user:${secret}@`);
        const secrets = [...withSecret.matchAll(/user:([A-Za-z]+)@/g)].map((m) => m[1]!);
        const result = parseOrRefuse(withSecret);
        const shown = result instanceof InvalidArgumentError ? result.message : JSON.stringify(result.endpoints.map((e) => e.display));
        for (const s of secrets) expect(shown).not.toContain(s);
      }),
      { numRuns: RUNS },
    );
  });

  it('keeps host, port and credentials of every endpoint in a failover list, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('mqtt', 'stomp', 'amqp'), fc.domain(), fc.integer({ min: 1, max: 65_535 }), password), { minLength: 1, maxLength: 5 }), (list) => {
        const parsed = parseEndpoints(`failover:(${list.map(([s, h, p, pw]) => `${s}://u:${pw}@${h}:${p}`).join(',')})?randomize=false`);
        expect(parsed.endpoints.map((e) => [e.scheme, e.host, e.port, e.password])).toEqual(list.map(([s, h, p, pw]) => [s, h, p, pw]));
        expect(parsed.failover.randomize).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});
