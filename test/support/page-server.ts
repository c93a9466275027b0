/**
 * A local HTTP server on 127.0.0.1 for the browser tests: serves fixed files (a bundled test app, its
 * page), and lets the page call back into the test through hooks, so a scenario running in the page can
 * ask for a fault at the exact point it needs one ("cut the endpoint now") and go on once it is in place.
 *
 *   const server = await startPageServer({ '/': html, '/app.js': bundle });
 *   server.hooks.cut = () => proxy.refuse();   // the page: await fetch('/hook/cut', { method: 'POST' })
 *   server.url('/')                            // http://127.0.0.1:PORT/
 */
import { createServer } from 'node:http';

export type Hook = () => unknown;

export interface PageServer {
  readonly port: number;
  url(path?: string): string;
  /** Named hooks, replaced by each test: POST /hook/NAME runs hooks[NAME] and answers once it settled. */
  hooks: Record<string, Hook>;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = { html: 'text/html', js: 'text/javascript', css: 'text/css', map: 'application/json' };

export async function startPageServer(files: Record<string, string | Uint8Array>): Promise<PageServer> {
  const hooks: Record<string, Hook> = {};
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (request.method === 'POST' && path.startsWith('/hook/')) {
      const hook = page.hooks[path.slice('/hook/'.length)];
      if (!hook) return void response.writeHead(404).end(`no hook ${path}`);
      Promise.resolve()
        .then(hook)
        .then(
          () => response.writeHead(204).end(),
          (error: unknown) => response.writeHead(500).end(String(error)),
        );
      return;
    }
    const body = files[path];
    if (body === undefined) return void response.writeHead(404).end();
    const type = TYPES[path.split('.').pop() ?? ''] ?? 'text/html';
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const page: PageServer = {
    port,
    url: (path = '/') => `http://127.0.0.1:${port}${path}`,
    hooks,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return page;
}
