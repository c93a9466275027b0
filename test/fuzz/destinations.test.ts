/**
 * Fuzzing destination names and their mapping per dialect: the core's validation refuses with
 * InvalidDestinationError only, every valid name maps to each protocol and back unchanged, and what a
 * broker sends as a destination never makes the inbound mapping throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidDestinationError } from '../../src/core/errors.js';
import { matcher, validateName, validatePattern } from '../../src/core/destination.js';
import { destinationOf, DIALECTS, source, target } from '../../src/transports/amqp/dialect.js';
import { fromTopic, toFilter, toTopic } from '../../src/transports/mqtt/topics.js';
import { fromDestination, toDestination, type StompDialect } from '../../src/transports/stomp/dialect.js';
import { RUNS } from './streams.js';

function validOrRefused<T>(validate: () => T): T | undefined {
  try {
    return validate();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidDestinationError);
    return undefined;
  }
}

// Segments of characters that mean something somewhere: %, $, spaces, :, \, unicode, wildcards.
const segment = fc.string({ unit: fc.constantFrom(...'ab09 %$:\\-_é€😀'), minLength: 1, maxLength: 6 });
const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('.'));
const pattern = fc.array(fc.oneof(segment, fc.constant('*')), { minLength: 1, maxLength: 5 })
  .chain((s) => fc.boolean().map((trailing) => [...s, ...(trailing ? ['#'] : [])].join('.')));
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: fc.constantFrom(...'a.*#/+>%$ \u0000'), maxLength: 20 }));

describe('fuzz: destinations', () => {
  it('validates any string or refuses it with InvalidDestinationError', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        validOrRefused(() => validateName(text));
        validOrRefused(() => validatePattern(text));
      }),
      { numRuns: RUNS },
    );
  });

  it('MQTT: a valid name becomes a topic and comes back unchanged, or is refused with InvalidDestinationError', () => {
    fc.assert(
      fc.property(name, pattern, (n, p) => {
        const topic = validOrRefused(() => toTopic(validateName(n)));
        if (topic !== undefined) expect(fromTopic(topic)).toBe(n);
        const filter = toFilter(validatePattern(p));
        // Wildcards only as whole levels (MQTT 3.1.1 §4.7.1), and nowhere else.
        for (const level of filter.split('/')) if (/[+#]/.test(level)) expect(['+', '#']).toContain(level);
      }),
      { numRuns: RUNS },
    );
  });

  it('STOMP: a valid name maps to a destination per dialect and comes back unchanged', () => {
    fc.assert(
      fc.property(name, fc.constantFrom<StompDialect>('activemq', 'rabbitmq', 'generic'), fc.constantFrom('queue', 'topic' as const), (n, dialect, kind) => {
        expect(fromDestination(toDestination(dialect, kind as 'queue' | 'topic', validateName(n)))).toBe(n);
      }),
      { numRuns: RUNS },
    );
  });

  it('AMQP: a valid name maps to an address per dialect and the address comes back as the name', () => {
    fc.assert(
      fc.property(name, pattern, fc.constantFrom(...DIALECTS), fc.constantFrom('queue', 'topic' as const), (n, p, dialect, kind) => {
        const address = target(dialect, kind as 'queue' | 'topic', validateName(n)).address;
        expect(destinationOf(address, undefined, undefined, n)).toBe(n);
        expect(source(dialect, kind as 'queue' | 'topic', validatePattern(p)).address).toBeTypeOf('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on what a broker sends as a destination', () => {
    fc.assert(
      fc.property(anyText, anyText, (to, subject) => {
        for (const prefix of ['', '/queue/', '/queues/', '/topic/', 'queue://', '/exchanges/amq.topic/']) {
          expect(destinationOf(prefix + to, subject || undefined, undefined, 'subscribed')).toBeTypeOf('string');
        }
        expect(fromDestination(to)).toBeTypeOf('string');
        expect(fromTopic(to)).toBeTypeOf('string');
      }),
      { numRuns: RUNS },
    );
  });

  it('matches a name against a pattern the way the wildcards are defined', () => {
    fc.assert(
      fc.property(name, pattern, (n, p) => {
        const want = p.split('.');
        const got = n.split('.');
        const trailing = want.at(-1) === '#';
        const fixed = trailing ? want.slice(0, -1) : want;
        const expected = (trailing ? got.length >= fixed.length : got.length === fixed.length) &&
          fixed.every((w, i) => w === '*' || w === got[i]);
        expect(matcher(p)(n)).toBe(expected);
      }),
      { numRuns: RUNS },
    );
  });
});
