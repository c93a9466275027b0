/**
 * The default body codec: a Uint8Array is sent as is, a string as UTF-8, anything else as JSON with
 * `application/json`. Decoding follows the content type, and is done lazily by `Message.body`.
 */
import type { Codec } from './types.js';

export const JSON_CONTENT_TYPE = 'application/json';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

function isJson(contentType: string): boolean {
  // application/json, application/json; charset=utf-8, application/vnd.x+json
  const base = contentType.split(';', 1)[0]!.trim().toLowerCase();
  return base === JSON_CONTENT_TYPE || base.endsWith('+json');
}

/** The codec used when `ConnectOptions.codec` is absent: bytes as is, strings as UTF-8 text, anything else as JSON. */
export const defaultCodec: Codec = {
  encode(body, contentType) {
    if (body instanceof Uint8Array) return { bytes: body, contentType };
    if (typeof body === 'string') return { bytes: encoder.encode(body), contentType: contentType ?? TEXT_CONTENT_TYPE };
    if (body === undefined) return { bytes: new Uint8Array(0), contentType };
    return { bytes: encoder.encode(JSON.stringify(body)), contentType: contentType ?? JSON_CONTENT_TYPE };
  },
  decode(bytes, contentType) {
    if (contentType === undefined) return bytes;
    if (isJson(contentType)) return JSON.parse(decoder.decode(bytes));
    if (contentType.startsWith('text/')) return decoder.decode(bytes);
    return bytes;
  },
};
