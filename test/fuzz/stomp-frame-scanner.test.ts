/**
 * Fuzzing the STOMP inbound path (src/transports/stomp/guarded-socket.ts and its frame scanner): random
 * bytes in random chunks, declared lengths at and past the cap, header blocks and NUL-terminated bodies
 * that never end, invalid content-lengths, truncated frames.
 */
import { type IRawFrameType, type IStompSocket, Parser } from '@stomp/stompjs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConnectionError, PayloadTooLargeError, UnifiedMqError } from '../../src/core/errors.js';
import { FrameScanner, type ScannedFrame } from '../../src/transports/stomp/frame-scanner.js';
import { GuardedSocket } from '../../src/transports/stomp/guarded-socket.js';
import { concat, cuts, randomBytes, RUNS, split, startsWith } from './streams.js';

const encoder = new TextEncoder();

/**
 * Feeds `chunks` through the guarded socket, with both caps at `cap`; returns what stompjs would have been
 * given, the frames the connection would have read itself (MESSAGE frames, when `claimMessages`), and why
 * it stopped.
 */
function feed(chunks: Uint8Array[], cap: number, claimMessages = false) {
  const inner = { url: 'stomp://fuzz', readyState: 1, binaryType: 'arraybuffer', send() {}, close() {} } as unknown as IStompSocket;
  const socket = new GuardedSocket(inner, { maxFrameBytes: cap, maxHeaderBytes: cap });
  const passed: Uint8Array[] = [];
  const messages: ScannedFrame[] = [];
  let failure: UnifiedMqError | undefined;
  if (claimMessages) {
    socket.frames = {
      claims: (command) => command === 'MESSAGE',
      frame: (frame) => void messages.push({ ...frame, body: frame.body.slice() }),
    };
  }
  socket.onmessage = ({ data }: { data: ArrayBuffer | Uint8Array }) => void passed.push(new Uint8Array(data).slice());
  socket.onViolation = (error) => void (failure ??= error);
  for (const chunk of chunks) inner.onmessage?.({ data: chunk } as never);
  return { passed: concat(passed), failure, messages };
}

/**
 * The frames stompjs's own parser reads from `bytes`. The guarded socket passes frames on whole once their
 * header block is complete, and a heart-beat for a read with nothing for stompjs, so what stompjs is given
 * is compared frame by frame, not byte by byte.
 */
function framesOf(bytes: Uint8Array): IRawFrameType[] {
  const frames: IRawFrameType[] = [];
  const parser = new Parser((frame) => void frames.push(frame), () => {});
  parser.parseChunk(bytes.slice().buffer);
  return frames;
}

// Header text: printable ASCII and a little UTF-8, with STOMP 1.2 escapes and stray backslashes.
const text = fc.string({ unit: fc.constantFrom(...'abcXYZ019 -_=é€', '\\n', '\\c', '\\\\', '\\r', '\\'), maxLength: 12 });
const header = fc.tuple(text.filter((k) => k !== '' && k !== 'content-length'), text);

const frame = fc.record({
  command: fc.constantFrom('MESSAGE', 'RECEIPT', 'ERROR'),
  headers: fc.array(header, { maxLength: 5 }),
  body: fc.uint8Array({ maxLength: 200 }),
  withLength: fc.boolean(),
  crlf: fc.boolean(),
  padding: fc.constantFrom('', '\n', '\r\n', '\n\n'),
}).map(({ command, headers, body, withLength, crlf, padding }) => {
  const eol = crlf ? '\r\n' : '\n';
  const lines = [command, ...headers.map(([k, v]) => `${k}:${v}`)];
  // A body without content-length ends at the first NUL, so it must not hold one.
  const content = withLength ? body : body.map((b) => (b === 0 ? 1 : b));
  if (withLength) lines.push(`content-length:${content.length}`);
  return concat([encoder.encode(lines.join(eol) + eol + eol), content, Uint8Array.of(0), encoder.encode(padding)]);
});

const CONNECTED = encoder.encode('CONNECTED\nversion:1.2\nheart-beat:0,0\n\n\0');

const cap = fc.integer({ min: 512, max: 4096 });

/** A frame that breaks a rule, and the error it must end the connection with. */
const offender = (limit: number) =>
  fc.oneof(
    fc.integer({ min: limit + 1, max: 2 ** 40 }).map((n) => ({
      kind: 'declared length past the cap', error: PayloadTooLargeError,
      bytes: encoder.encode(`MESSAGE\ndestination:/queue/x\ncontent-length:${n}\n\n`),
    })),
    fc.integer({ min: 1, max: 2 * limit }).map((extra) => ({
      kind: 'header block that never ends', error: PayloadTooLargeError,
      bytes: encoder.encode(`MESSAGE\nx:${'h'.repeat(limit + extra)}`),
    })),
    fc.integer({ min: 1, max: 2 * limit }).map((extra) => ({
      kind: 'body without a NUL past the cap', error: PayloadTooLargeError,
      bytes: concat([encoder.encode('MESSAGE\ndestination:/queue/x\n\n'), new Uint8Array(limit + extra).fill(0x61)]),
    })),
    fc.constantFrom('-1', 'abc', '', ' ').map((value) => ({
      kind: 'invalid content-length', error: ConnectionError,
      bytes: encoder.encode(`MESSAGE\ncontent-length:${value}\n\nrest`),
    })),
  );

describe('fuzz: STOMP frame scanner', () => {
  it('never throws on random bytes; a failure is a typed error', () => {
    fc.assert(
      fc.property(randomBytes, cuts, fc.boolean(), fc.integer({ min: 16, max: 4096 }), (bytes, at, afterConnected, limit) => {
        const stream = afterConnected ? concat([CONNECTED, bytes]) : bytes;
        const { passed, failure } = feed(split(stream, at), limit);
        if (failure) expect(failure).toBeInstanceOf(UnifiedMqError);
        else expect(framesOf(passed)).toEqual(framesOf(stream));
      }),
      { numRuns: RUNS },
    );
  });

  it('delivers every whole frame ahead of an offending one, and buffers nothing of it past the cap', () => {
    fc.assert(
      fc.property(cap.chain((limit) => fc.tuple(fc.constant(limit), fc.array(frame, { maxLength: 8 }), offender(limit), cuts)), ([limit, good, bad, at]) => {
        const sound = concat([CONNECTED, ...good]);
        const { passed, failure } = feed(split(concat([sound, bad.bytes]), at), limit);
        expect(failure, bad.kind).toBeInstanceOf(bad.error);
        const chunks = split(concat([sound, bad.bytes]), at).length;
        expect(framesOf(passed).slice(0, good.length + 1)).toEqual(framesOf(sound));
        // What stompjs may hold of the offending frame: at most a header block and a body, each within the
        // cap (plus a heart-beat byte per read that held nothing for it).
        expect(passed.length).toBeLessThanOrEqual(sound.length + 2 * limit + chunks);
      }),
      { numRuns: RUNS },
    );
  });

  it('passes truncated streams of sound frames whole, and decodes the same headers however they are split', () => {
    fc.assert(
      fc.property(fc.array(frame, { maxLength: 8 }), fc.nat(), cuts, (good, keep, at) => {
        const whole = concat([CONNECTED, ...good]);
        const truncated = whole.subarray(0, keep % (whole.length + 1));
        const inPieces = feed(split(truncated, at), 4096);
        expect(inPieces.failure).toBeUndefined();
        expect(framesOf(inPieces.passed)).toEqual(framesOf(truncated));
        const claimedInOne = feed([truncated], 4096, true);
        const claimedInPieces = feed(split(truncated, at), 4096, true);
        expect(claimedInPieces.failure).toBeUndefined();
        expect(claimedInPieces.messages).toEqual(claimedInOne.messages);
        if (truncated.length === whole.length) {
          const sent = good.filter((f) => startsWith(f, encoder.encode('MESSAGE\n')) || startsWith(f, encoder.encode('MESSAGE\r\n')));
          expect(claimedInPieces.messages.length).toBe(sent.length);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('accepts a declared content-length of exactly the cap and refuses one byte more', () => {
    fc.assert(
      fc.property(fc.integer({ min: 64, max: 1 << 24 }), (limit) => {
        const sink = { claims: () => true, frame() {}, passOn() {} };
        const limits = { maxFrameBytes: limit, maxHeaderBytes: 1024 };
        const at = new FrameScanner(limits, sink);
        expect(at.scan(encoder.encode(`MESSAGE\ncontent-length:${limit}\n\n`))).toBeUndefined();
        const over = new FrameScanner(limits, sink);
        expect(over.scan(encoder.encode(`MESSAGE\ncontent-length:${limit + 1}\n\n`))).toBeInstanceOf(PayloadTooLargeError);
      }),
      { numRuns: RUNS },
    );
  });
});
