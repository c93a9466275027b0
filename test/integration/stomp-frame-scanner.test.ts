/**
 * The STOMP frame scanner beside stompjs's own parser, on the same bytes split every possible way: both
 * must agree on every frame boundary (the connection pairs their outputs), the scanner must decode the
 * headers stompjs gets wrong, and its size cap must trip before a body is buffered. No broker needed.
 */
import { FrameImpl, Parser, type IFrame } from '@stomp/stompjs';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError } from '../../src/core/errors.js';
import { decodeValue, FrameScanner } from '../../src/transports/stomp/frame-scanner.js';

const encoder = new TextEncoder();

function bytes(...parts: Array<string | Uint8Array>): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'string' ? encoder.encode(p) : p));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
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

/** Feeds the stream in the given chunk sizes to the scanner and to stompjs's parser, as GuardedSocket does. */
function run(chunkSizes: (index: number) => number) {
  const scanner = new FrameScanner(1024);
  const frames: IFrame[] = [];
  let escape = false;
  const parser = new Parser((raw) => {
    const frame = FrameImpl.fromRawFrame(raw, escape);
    if (frame.command === 'CONNECTED') escape = frame.headers.version === '1.2';
    frames.push(frame);
  }, () => undefined);
  const paired: Array<{ scanned: Record<string, string>; library: IFrame }> = [];
  let offset = 0;
  for (let n = 0; offset < stream.length; n++) {
    const size = Math.max(1, chunkSizes(n));
    const chunk = stream.subarray(offset, offset + size);
    offset += chunk.length;
    expect(scanner.scan(chunk)).toBeUndefined();
    const before = frames.length;
    parser.parseChunk(chunk.slice().buffer);
    for (const frame of frames.slice(before)) {
      if (frame.command !== 'MESSAGE') continue;
      const scanned = scanner.messages.shift()!;
      expect(scanned.libraryMessageId).toBe(frame.headers['message-id']);
      paired.push({ scanned: scanned.headers, library: frame });
    }
  }
  expect(scanner.messages).toEqual([]);
  expect(scanner.version).toBe('1.2');
  return { frames, paired };
}

describe('STOMP frame scanner', () => {
  it('agrees with stompjs on every frame boundary, however the bytes are split', () => {
    const splits: Array<[string, (n: number) => number]> = [
      ['one chunk', () => stream.length],
      ['byte by byte', () => 1],
      ['2 bytes', () => 2],
      ['7 bytes', () => 7],
      ['uneven', (n) => [1, 13, 2, 40, 3, 5][n % 6]!],
    ];
    for (const [, split] of splits) {
      const { frames, paired } = run(split);
      expect(frames.map((f) => f.command)).toEqual(['CONNECTED', 'MESSAGE', 'MESSAGE', 'RECEIPT', 'ERROR']);
      expect(paired.map((p) => p.scanned)).toEqual(expectedHeaders);
      expect(paired[0]!.library.binaryBody).toEqual(binary);
    }
  });

  it('brings back the header values stompjs trims or unescapes wrongly', () => {
    const { paired } = run(() => stream.length);
    const library = paired[0]!.library.headers;
    // What stompjs alone reports, for the record:
    expect(library['x-backslash']).not.toBe('C:\\new\\r');
    expect(library['x-spaces']).toBe('padded');
    expect(paired[0]!.scanned['x-backslash']).toBe('C:\\new\\r');
    expect(paired[0]!.scanned['x-spaces']).toBe('  padded  ');
  });

  it('decodes STOMP 1.2 escapes in order, and 1.1 without \\r', () => {
    expect(decodeValue('a\\\\nb', true)).toBe('a\\nb');
    expect(decodeValue('\\r\\n\\c\\\\', true)).toBe('\r\n:\\');
    expect(decodeValue('\\r', false)).toBe('\\r');
    expect(decodeValue('trailing\\', true)).toBe('trailing\\');
  });

  it('refuses a declared content-length over the cap before any of the body arrives', () => {
    const scanner = new FrameScanner(100);
    expect(scanner.scan(bytes('MESSAGE\nmessage-id:1\ncontent-length:100\n\n'))).toBeUndefined();
    const error = new FrameScanner(100).scan(bytes('MESSAGE\nmessage-id:1\ncontent-length:101\n\n'));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect((error as PayloadTooLargeError).size).toBe(101);
  });

  it('refuses a NUL-terminated body and a header block that grow over the cap', () => {
    const body = new FrameScanner(100);
    expect(body.scan(bytes('MESSAGE\nmessage-id:1\n\n', 'x'.repeat(60)))).toBeUndefined();
    expect(body.scan(bytes('y'.repeat(60)))).toBeInstanceOf(PayloadTooLargeError);
    const head = new FrameScanner(100);
    expect(head.scan(bytes('MESSAGE\nx-long:', 'z'.repeat(120)))).toBeInstanceOf(PayloadTooLargeError);
  });

  it('says which leading bytes of a chunk hold whole frames before an oversized one', () => {
    const scanner = new FrameScanner(30);
    const ok = 'RECEIPT\nreceipt-id:1\n\n\0\n';
    const error = scanner.scan(bytes(ok, 'MESSAGE\ncontent-length:31\n\n'));
    expect(error).toBeInstanceOf(PayloadTooLargeError);
    expect(scanner.safeLength).toBe(encoder.encode(ok).length);
  });

  it('refuses a content-length stompjs could never finish reading', () => {
    expect(new FrameScanner(100).scan(bytes('MESSAGE\ncontent-length:-1\n\n'))).toBeInstanceOf(ConnectionError);
    expect(new FrameScanner(100).scan(bytes('MESSAGE\ncontent-length:abc\n\n'))).toBeInstanceOf(ConnectionError);
  });
});
