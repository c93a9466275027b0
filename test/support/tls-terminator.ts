/**
 * A TLS front for a plain broker port, for the TLS tests: the brokers here listen in plain text, so a
 * small Node TLS server terminates TLS and pipes the bytes through. Real TLS on the client's side (the
 * transport's own socket, its `tls` options, verification), the real broker behind.
 *
 *   const tls = await startTlsTerminator(broker.ports.amqp!, { requireClientCertificate: true });
 *   connect({ endpoints: [`amqps://127.0.0.1:${tls.port}`], tls: { ca: tls.ca, cert: tls.clientCert, key: tls.clientKey } })
 *
 * Certificates come from the openssl CLI: a throwaway CA, a server certificate for 127.0.0.1 and
 * localhost, and a client certificate, all signed by that CA.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:tls';

export interface TlsTerminator {
  port: number;
  /** The CA that signed both certificates (PEM). */
  ca: string;
  clientCert: string;
  clientKey: string;
  close(): Promise<void>;
}

export interface TlsTerminatorOptions {
  requireClientCertificate?: boolean;
  /** More DNS names for the server certificate (besides 127.0.0.1 and localhost), e.g. `*.mq.eu-west-1.amazonaws.com`. */
  names?: string[];
}

export async function startTlsTerminator(upstreamPort: number, options: TlsTerminatorOptions = {}): Promise<TlsTerminator> {
  const dir = mkdtempSync(join(tmpdir(), 'umq-tls-'));
  try {
    const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=umq test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
    const names = ['IP:127.0.0.1', 'DNS:localhost', ...(options.names ?? []).map((name) => `DNS:${name}`)];
    writeFileSync(join(dir, 'server.cnf'), `subjectAltName=${names.join(',')}\n`);
    writeFileSync(join(dir, 'client.cnf'), 'extendedKeyUsage=clientAuth\n');
    for (const who of ['server', 'client']) {
      run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=umq test ${who}`, '-keyout', `${who}.key`, '-out', `${who}.csr`);
      run('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', `${who}.cnf`, '-out', `${who}.pem`);
    }
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    const ca = read('ca.pem');
    const sockets = new Set<{ destroy(): void }>();
    const server: Server = createServer(
      {
        key: read('server.key'),
        cert: read('server.pem'),
        ca,
        requestCert: options.requireClientCertificate === true,
        rejectUnauthorized: options.requireClientCertificate === true,
      },
      (client) => {
        const broker = netConnect(upstreamPort, '127.0.0.1');
        sockets.add(client).add(broker);
        client.pipe(broker).pipe(client);
        const end = () => {
          client.destroy();
          broker.destroy();
        };
        client.on('error', end);
        broker.on('error', end);
        client.on('close', end);
        broker.on('close', end);
      },
    );
    server.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const terminator: TlsTerminator = {
      port: (server.address() as { port: number }).port,
      ca,
      clientCert: read('client.pem'),
      clientKey: read('client.key'),
      close: () => {
        for (const socket of sockets) socket.destroy();
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
    return terminator;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
