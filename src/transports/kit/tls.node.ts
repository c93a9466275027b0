/**
 * `ConnectOptions.tls` → Node's TLS options, for every transport. Verification stays on unless the caller
 * turns it off explicitly (`rejectUnauthorized: false`); SNI takes host names only (RFC 6066 §3), so an IP
 * address sends none unless `servername` says otherwise.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { TlsOptions } from '../../core/types.js';

export function nodeTlsOptions(host: string, tls: TlsOptions | undefined): ConnectionOptions {
  const servername = tls?.servername ?? (isIP(host) ? undefined : host);
  return {
    ca: tls?.ca as ConnectionOptions['ca'],
    cert: tls?.cert as ConnectionOptions['cert'],
    key: tls?.key as ConnectionOptions['key'],
    passphrase: tls?.passphrase,
    rejectUnauthorized: tls?.rejectUnauthorized !== false,
    ...(servername !== undefined && { servername }),
  };
}
