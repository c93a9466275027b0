/**
 * The default body codec: a Uint8Array is sent as is, a string as UTF-8, anything else as JSON with
 * `application/json`. Decoding follows the content type, and is done lazily by `Message.body`.
 */
import { DecodeError } from './errors.js';
import type { Codec } from './types.js';
import { encodeUtf8 } from './platform.node.js';

export const JSON_CONTENT_TYPE = 'application/json';
export const TEXT_CONTENT_TYPE = 'text/plain; charset=utf-8';

const decoder = new TextDecoder();

export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** JSON.parse of UTF-8 bytes; bad JSON is a DecodeError that says so, never a bare SyntaxError. */
export function parseJson(bytes: Uint8Array, contentType: string | undefined): unknown {
  const text = decoder.decode(bytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    const start = text.length > 40 ? `${JSON.stringify(text.slice(0, 40))}…` : JSON.stringify(text);
    throw new DecodeError(
      `The message body is not JSON (${bytes.byteLength} bytes${contentType ? `, content type ${contentType}` : ''}, starting ${start}): ${(error as Error).message}; read it with msg.text() or msg.bytes`,
      { cause: error },
    );
  }
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
    if (typeof body === 'string') return { bytes: encodeUtf8(body), contentType: contentType ?? TEXT_CONTENT_TYPE };
    if (body === undefined) return { bytes: new Uint8Array(0), contentType };
    return { bytes: encodeUtf8(JSON.stringify(body)), contentType: contentType ?? JSON_CONTENT_TYPE };
  },
  decode(bytes, contentType) {
    if (contentType === undefined) return bytes;
    if (isJson(contentType)) return parseJson(bytes, contentType);
    if (contentType.startsWith('text/')) return decoder.decode(bytes);
    return bytes;
  },
};
