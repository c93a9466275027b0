/** The MQTT socket's gathering of mqtt-packet's chunks before one write (src/transports/mqtt/socket.node.ts). */
import { describe, expect, it } from 'vitest';
import { asBuffer, gather } from '../../src/transports/mqtt/socket.node.js';

describe('gather', () => {
  it('copies runs of small chunks into one buffer, keeps large bodies by reference, and keeps every byte in order', () => {
    const small = (...bytes: number[]) => ({ chunk: Buffer.from(bytes) });
    const body = Buffer.alloc(64 * 1024, 0xff);
    body[0] = 0x00;
    const chunks = [small(0x30, 0x80), small(0x00, 0x01, 0x74), { chunk: body }, small(0x40, 0x02), small(0x00, 0x07)];
    const gathered = gather(chunks);
    expect(gathered).toHaveLength(3);
    expect(gathered[1]).toBe(body);
    expect([...gathered[0]!]).toEqual([0x30, 0x80, 0x00, 0x01, 0x74]);
    expect([...gathered[2]!]).toEqual([0x40, 0x02, 0x00, 0x07]);
    expect(Buffer.concat(gathered).equals(Buffer.concat(chunks.map((c) => c.chunk)))).toBe(true);
  });

  it('hands a lone small chunk over as it is', () => {
    const only = Buffer.from([0xc0, 0x00]);
    expect(gather([{ chunk: only }])[0]).toBe(only);
  });
});

describe('asBuffer', () => {
  it('gives mqtt.js a Buffer over exactly the body, without a copy, so that its QoS 1 clone copies only the body', () => {
    const backing = new Uint8Array(8192).fill(0xff);
    const body = backing.subarray(100, 340);
    body[0] = 0x00;
    const buffer = asBuffer(body);
    expect(Buffer.isBuffer(buffer)).toBe(true);
    expect([buffer.byteOffset, buffer.byteLength, buffer.buffer]).toEqual([100, 240, backing.buffer]);
    expect(Buffer.from(buffer).equals(Buffer.from(body))).toBe(true);
    const already = Buffer.from([1, 2]);
    expect(asBuffer(already)).toBe(already);
  });
});
