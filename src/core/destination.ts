/**
 * Unified destination names: `.`-separated segments (`orders.eu.created`). In subscription patterns `*`
 * matches exactly one segment and `#` matches zero or more trailing segments. Transports map names to
 * their protocol; the rules here are the ones every protocol can carry.
 */
import { InvalidDestinationError } from './errors.js';

export const SEPARATOR = '.';
export const ONE_SEGMENT = '*';
export const TRAILING_SEGMENTS = '#';

// `/` `+` `>` are separators or wildcards in MQTT and ActiveMQ; a segment holding one would change meaning
// on the wire. Control characters (NUL included) break STOMP frames and MQTT topic names.
const FORBIDDEN = /[/+>\u0000-\u001f\u007f]/;
const MAX_LENGTH = 4096;

function check(name: unknown, allowWildcards: boolean): asserts name is string {
  if (typeof name !== 'string') throw new InvalidDestinationError(String(name), 'a destination must be a string');
  if (name.length === 0) throw new InvalidDestinationError(name, 'a destination must not be empty');
  if (name.length > MAX_LENGTH) throw new InvalidDestinationError(name.slice(0, 64) + '…', `longer than ${MAX_LENGTH} characters`);
  const forbidden = FORBIDDEN.exec(name);
  if (forbidden) {
    throw new InvalidDestinationError(
      name,
      `the character ${JSON.stringify(forbidden[0])} is not allowed; separate segments with "."`,
    );
  }
  // One pass over the characters, no split: this runs on every publish.
  let segmentStart = 0;
  let segment = 1;
  for (let i = 0; i <= name.length; i++) {
    const c = i < name.length ? name.charCodeAt(i) : 46; // the end closes the last segment like a "."
    if (c === 42 /* * */ || c === 35 /* # */) {
      const alone = i === segmentStart && (i + 1 === name.length || name.charCodeAt(i + 1) === 46);
      if (!alone) throw new InvalidDestinationError(name, `segment ${segment}: * and # must stand alone as a whole segment`);
      if (!allowWildcards) throw new InvalidDestinationError(name, 'wildcards (* and #) are only allowed in subscriptions');
      if (c === 35 && i + 1 !== name.length) throw new InvalidDestinationError(name, '# is only allowed as the last segment');
    } else if (c === 46 /* . */) {
      if (i === segmentStart) throw new InvalidDestinationError(name, `segment ${segment} is empty`);
      segmentStart = i + 1;
      segment++;
    }
  }
}

/** The last name validateName passed: a publisher mostly sends to a few names, over and over. */
let lastValidName: string | undefined;

/** Validates a name to publish or send to (no wildcards). */
export function validateName(name: unknown): string {
  if (lastValidName !== undefined && name === lastValidName) return lastValidName;
  check(name, false);
  lastValidName = name;
  return name;
}

/** Validates a subscription pattern (wildcards allowed). */
export function validatePattern(pattern: unknown): string {
  check(pattern, true);
  return pattern;
}

export function hasWildcards(pattern: string): boolean {
  return pattern.includes(ONE_SEGMENT) || pattern.includes(TRAILING_SEGMENTS);
}

/** Maps a validated name or pattern segment by segment (used by transports for their dialects). */
export function mapDestination(
  pattern: string,
  separator: string,
  oneSegment: string,
  trailingSegments: string,
): string {
  if (!hasWildcards(pattern)) return separator === SEPARATOR ? pattern : pattern.split(SEPARATOR).join(separator);
  return pattern
    .split(SEPARATOR)
    .map((s) => (s === ONE_SEGMENT ? oneSegment : s === TRAILING_SEGMENTS ? trailingSegments : s))
    .join(separator);
}

/** A compiled pattern matcher: `matcher('orders.*')('orders.eu')` is true. */
export function matcher(pattern: string): (name: string) => boolean {
  if (!hasWildcards(pattern)) return (name) => name === pattern;
  const want = pattern.split(SEPARATOR);
  return (name) => {
    const got = name.split(SEPARATOR);
    for (let i = 0; i < want.length; i++) {
      const w = want[i];
      if (w === TRAILING_SEGMENTS) return true;
      if (i >= got.length) return false;
      if (w !== ONE_SEGMENT && w !== got[i]) return false;
    }
    return got.length === want.length;
  };
}
