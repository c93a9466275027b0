/**
 * The STOMP frame scanner in front of stompjs's own parser, on the same bytes split every possible way:
 * the scanner cuts the frames it claims (MESSAGE, our RECEIPTs) with headers decoded right and bodies
 * intact, passes every other frame on to stompjs whole and in order, and its caps trip before a body or a
 * header block is buffered. No broker needed.
 */
import { FrameImpl, Parser, type IFrame } from '@stomp/stompjs';
import type { UnifiedMqError } from '../../src/core/errors.js';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError } from '../../src/core/errors.js';
import { decodeValue, FrameScanner, PASSED_ON_MAX_BODY_BYTES, type ScannedFrame } from '../../src/transports/stomp/frame-scanner.js';
import { concat } from '../support/bytes.js';

const encoder = new TextEncoder();

function bytes(...parts: Array<string | Uint8Array>): Uint8Array {
  return concat(parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p)));
}

const binary = new Uint8Array([0, 10, 13, 0, 255, 58, 92]);

/** A session as a broker might send it: CONNECTED, heart-beats, MESSAGEs (one with CRLF lines), RECEIPT, ERROR. */
const stream = bytes(
  'CONNECTED\nversion:1.2\nheart-beat:1000,1000\nserver:Test/1\n\n\0',
  '\n\n\r\n',
  'MESSAGE\ndestination:/topic/a.b\nsubscription:s1\nmessage-id:ID\\chost\\c1\nack:A1\n',
  'x-colon:a\\cb\nx-newline:l1\\nl2\nx-cr:b\\ra\nx-backslash:C\\c\\\\new\\\\r\nx-spaces:  padded  \nx-unicode:żółw 🐢\n',
  'x-repeat:first\nx-repeat:second\nx\\cname:escaped name\ncontent-length:7\n\n',
  binary,
  '\0',
  '\n',
  'MESSAGE\r\ndestination:/queue/q\r\nsubscription:s2\r\nmessage-id:  spaced-id  \r\nack:A2\r\n\r\nno length, NUL-terminated\0',
  'RECEIPT\nreceipt-id:r7\n\n\0',
  'ERROR\nmessage:oops\ncontent-length:4\n\nbad!\0',
  '\n',
);

const expectedHeaders = [
  {
    destination: '/topic/a.b', subscription: 's1', 'message-id': 'ID:host:1', ack: 'A1',
    'x-colon': 'a:b', 'x-newline': 'l1\nl2', 'x-cr': 'b\ra', 'x-backslash': 'C:\\new\\r', 'x-spaces': '  padded  ',
    'x-unicode': 'żółw 🐢', 'x-repeat': 'first', 'x:name': 'escaped name', 'content-length': '7',
  },
  { destination: '/queue/q', subscription: 's2', 'message-id': '  spaced-id  ', ack: 'A2' },
];

const textBody = encoder.encode('no length, NUL-terminated');

interface Harness {
  scanner: FrameScanner;
  /** What the scanner kept for the connection. */
  claimed: ScannedFrame[];
  /** What stompjs parsed from the bytes passed on to it. */
  library: IFrame[];
  heartbeats: number;
  feed(chunk: Uint8Array): UnifiedMqError | undefined;
}

function harness(limits = { maxFrameBytes: 1024, maxHeaderBytes: 1024 }, claimReceipts = true): Harness {
  const claimed: ScannedFrame[] = [];
  const library: IFrame[] = [];
  let escape = false;
  const h: Harness = { scanner: undefined!, claimed, library, heartbeats: 0, feed: (chunk) => h.scanner.scan(chunk) };
  const parser = new Parser(
    (raw) => {
      const frame = FrameImpl.fromRawFrame(raw, escape);
      if (frame.command === 'CONNECTED') escape = frame.headers.version === '1.2';
      library.push(frame);
    },
    () => void h.heartbeats++,
  );
  h.scanner = new FrameScanner(limits, {
    claims: (command, headers) => command === 'MESSAGE' || (claimReceipts && command === 'RECEIPT' && headers['receipt-id'] === 'r7'),
    frame: (frame) => void claimed.push({ ...frame, body: frame.body.slice() }),
    // As GuardedSocket does: stompjs gets its own copy of what is passed on.
    passOn: (bytes) => parser.parseChunk(bytes.slice().buffer),
  });
  return h;
}

/** Feeds the stream in the given chunk sizes, as GuardedSocket does. */
function run(chunkSizes: (index: number) => number, claimReceipts = true): Harness {
  const h = harness(undefined, claimReceipts);
  let offset = 0;
  for (let n = 0; offset < stream.length; n++) {
    const size = Math.max(1, chunkSizes(n));
    const chunk = stream.subarray(offset, offset + size);
    offset += chunk.length;
    expect(h.feed(chunk)).toBeUndefined();
  }
  expect(h.scanner.version).toBe('1.2');
  return h;
}

const splits: Array<[string, (n: number) => number]> = [
  ['one chunk', () => stream.length],
  ['byte by byte', () => 1],
  ['2 bytes', () => 2],
  ['7 bytes', () => 7],
  ['uneven', (n) => [1, 13, 2, 40, 3, 5][n % 6]!],
];

describe('STOMP frame scanner', () => {
  it('cuts MESSAGEs and our RECEIPTs itself, and passes every other frame on to stompjs, however the bytes are split', () => {
    for (const [name, split] of splits) {
      const h = run(split);
      expect(h.claimed.map((f) => f.command), name).toEqual(['MESSAGE', 'MESSAGE', 'RECEIPT']);
      expect(h.claimed.slice(0, 2).map((f) => f.headers), name).toEqual(expectedHeaders);
      expect(h.claimed[0]!.body, name).toEqual(binary);
      expect(h.claimed[1]!.body, name).toEqual(textBody);
      expect(h.claimed[2]!.headers['receipt-id']).toBe('r7');
      expect(h.library.map((f) => f.command), name).toEqual(['CONNECTED', 'ERROR']);
      expect(h.library[0]!.headers.server).toBe('Test/1');
      expect(h.library[1]!.body).toBe('bad!');
    }
  });

  it('passes on a RECEIPT that is not ours (stompjs waits for its DISCONNECT receipt)', () => {
    for (const [name, split] of splits) {
      const h = run(split, false);
      expect(h.library.map((f) => f.command), name).toEqual(['CONNECTED', 'RECEIPT', 'ERROR']);
      expect(h.library[1]!.headers['receipt-id']).toBe('r7');
    }
  });

  it('gives stompjs a heart-beat for a read that held nothing for it', () => {
    const h = harness();
    h.feed(bytes('CONNECTED\nversion:1.2\n\n\0'));
    const before = h.heartbeats;
    h.feed(bytes('MESSAGE\nsubscription:s\nmessage-id:1\ncontent-length:2\n\nhi\0'));
    expect(h.heartbeats).toBe(before + 1);
    expect(h.claimed).toHaveLength(1);
  });

  it('keeps a body inside one read as a view of it, and copies one that spans reads once', () => {
    const h = harness();
    const chunk = bytes('MESSAGE\nsubscription:s\ncontent-length:3\n\nabc\0');
    const views: Uint8Array[] = [];
    const scanner = new FrameScanner({ maxFrameBytes: 100, maxHeaderBytes: 100 }, { claims: () => true, frame: (f) => void views.push(f.body), passOn: () => undefined });
    scanner.scan(chunk);
    expect(views[0]!.buffer).toBe(chunk.buffer);
    scanner.scan(bytes('MESSAGE\nsubscription:s\ncontent-length:3\n\na'));
    scanner.scan(bytes('bc'));
    expect(views).toHaveLength(1);
    scanner.scan(bytes('\0'));
    expect(new TextDecoder().decode(views[1])).toBe('abc');
    expect(h.claimed).toHaveLength(0);
  });

  it('brings back the header values stompjs trims or unescapes wrongly', () => {
    const h = run(() => stream.length);
    // What stompjs alone reports, for the record:
    const library = FrameImpl.fromRawFrame({ command: 'MESSAGE', headers: [['x-backslash', 'C\\c\\\\new\\\\r'], ['x-spaces', '  padded  ']], binaryBody: new Uint8Array() }, true);
    expect(library.headers['x-backslash']).not.toBe('C:\\new\\r');
    expect(library.headers['x-spaces']).toBe('padded');
    expect(h.claimed[0]!.headers['x-backslash']).toBe('C:\\new\\r');
    expect(h.claimed[0]!.headers['x-spaces']).toBe('  padded  ');
  });

  it('decodes STOMP 1.2 escapes in order, and 1.1 without \\r', () => {
    expect(decodeValue('a\\\\nb', true)).toBe('a\\nb');
    expect(decodeValue('\\r\\n\\c\\\\', true)).toBe('\r\n:\\');
    expect(decodeValue('\\r', false)).toBe('\\r');
    expect(decodeValue('trailing\\', true)).toBe('trailing\\');
  });

  it('refuses a declared content-length over the cap before any of the body arrives', () => {
    expect(harness({ maxFrameBytes: 100, maxHeaderBytes: 100 }).feed(bytes('MESSAGE\nmessage-id:1\ncontent-length:100\n\n'))).toBeUndefined();
    const error = harness({ maxFrameBytes: 100, maxHeaderBytes: 100 }).feed(bytes('MESSAGE\nmessage-id:1\ncontent-length:101\n\n'));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).size).toBe(101);
  });

  it('refuses a NUL-terminated body over maxFrameBytes, and a header block over maxHeaderBytes', () => {
    const body = harness({ maxFrameBytes: 100, maxHeaderBytes: 1000 });
    expect(body.feed(bytes('MESSAGE\nmessage-id:1\n\n', 'x'.repeat(60)))).toBeUndefined();
    expect(body.feed(bytes('y'.repeat(60)))).toBeInstanceOf(PayloadTooLargeError);
    // A header block that never ends, read after read (a hostile server): refused at its own, smaller cap.
    const head = harness({ maxFrameBytes: 1_000_000, maxHeaderBytes: 100 });
    expect(head.feed(bytes('CONNECTED\nversion:1.2\n\n\0'))).toBeUndefined();
    expect(head.feed(bytes('ERROR\nx-long:', 'z'.repeat(60)))).toBeUndefined();
    const error = head.feed(bytes('z'.repeat(60)));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error!.message).toContain('maxHeaderBytes');
    // stompjs was given none of it.
    expect(head.library.map((f) => f.command)).toEqual(['CONNECTED']);
  });

  it('caps the body of a frame read by stompjs far below maxFrameBytes (stompjs holds each byte in a JS array)', () => {
    const h = harness({ maxFrameBytes: 16 * 1024 * 1024, maxHeaderBytes: 1024 });
    expect(h.feed(bytes('CONNECTED\nversion:1.2\n\n\0'))).toBeUndefined();
    // A MESSAGE body may be as large as maxFrameBytes…
    expect(h.feed(bytes('MESSAGE\nmessage-id:1\n\n', 'x'.repeat(PASSED_ON_MAX_BODY_BYTES + 1), '\0'))).toBeUndefined();
    expect(h.claimed).toHaveLength(1);
    // …an ERROR body (NUL-terminated, or declared) only PASSED_ON_MAX_BODY_BYTES.
    expect(h.feed(bytes('ERROR\nmessage:m\n\n', 'x'.repeat(PASSED_ON_MAX_BODY_BYTES)))).toBeUndefined();
    const error = h.feed(bytes('x'));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(error!.message).toContain('ERROR');
    const declared = harness({ maxFrameBytes: 16 * 1024 * 1024, maxHeaderBytes: 1024 });
    expect(declared.feed(bytes(`ERROR\ncontent-length:${PASSED_ON_MAX_BODY_BYTES + 1}\n\n`))).toBeInstanceOf(PayloadTooLargeError);
    expect(h.library.map((f) => f.command)).toEqual(['CONNECTED']);
  });

  it('passes on the whole frames before an oversized one, and nothing of it', () => {
    const h = harness({ maxFrameBytes: 30, maxHeaderBytes: 100 });
    const error = h.feed(bytes('CONNECTED\nversion:1.2\n\n\0\n', 'MESSAGE\nsubscription:s\ncontent-length:1\n\nx\0', 'ERROR\ncontent-length:31\n\n'));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(h.library.map((f) => f.command)).toEqual(['CONNECTED']);
    expect(h.claimed.map((f) => f.command)).toEqual(['MESSAGE']);
  });

  it('refuses a content-length stompjs could never finish reading', () => {
    expect(harness().feed(bytes('MESSAGE\ncontent-length:-1\n\n'))).toBeInstanceOf(ConnectionError);
    expect(harness().feed(bytes('MESSAGE\ncontent-length:abc\n\n'))).toBeInstanceOf(ConnectionError);
  });
});
