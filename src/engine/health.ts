// The HTTP endpoints an operator's Prometheus and orchestrator read (node:http, nothing else):
// /metrics (the registry, in Prometheus's text format), /healthz (the process answers) and
// /readyz (ready for jobs: 200, or 503 with the checks that failed).
import type { AddressInfo } from 'node:net';

import { invalidArgument, optionsObject } from '../errors.js';
import type { Registry } from './metrics.js';

/** Whether a worker may take jobs, and each check behind the answer. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, boolean>;
}

export interface HealthServerOptions {
  registry: Registry;
  /** Answers /readyz. Default: always ready. */
  readiness?: () => Readiness | Promise<Readiness>;
  /** Default 0.0.0.0 (every interface, as exporters do); '127.0.0.1' for this machine only. */
  host?: string;
  /** Default 9464 (OpenTelemetry's Prometheus exporter's); 0: any free port. */
  port?: number;
  /** Host and port as one string instead: '[HOST]:PORT' (':9464', '127.0.0.1:9464', '[::1]:0'). */
  listen?: string;
}

export interface HealthServer {
  /** The port it listens on. */
  readonly port: number;
  readonly host: string;
  close(): Promise<void>;
}

/** `[HOST]:PORT` (':9464', '127.0.0.1:9464', '[::1]:9464') or a bare port. */
function parseListen(spec: string): { host: string; port: number } {
  const m = /^(?:(?:\[([^\]]+)\]|([^:[\]]*)):)?(\d+)$/.exec(spec);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw invalidArgument('listen', "[HOST]:PORT (':9464', '127.0.0.1:9464')", spec);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Serves /metrics, /healthz and /readyz until close(). */
export async function serveHealth(options: HealthServerOptions): Promise<HealthServer> {
  const o = optionsObject(options, 'options') as unknown as HealthServerOptions;
  const registry = o.registry;
  if (!registry || typeof registry.metrics !== 'function') throw invalidArgument('options.registry', 'a prom-client Registry', registry);
  const readiness = o.readiness ?? (() => ({ ready: true, checks: {} }));
  const at = o.listen !== undefined ? parseListen(o.listen) : { host: o.host ?? '0.0.0.0', port: o.port ?? 9464 };
  // node:http costs `import 'avforge'` a few ms: loaded when a server starts
  const http = await import('node:http');
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const send = (status: number, type: string, body: string) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    const fail = (e: unknown) => send(500, 'text/plain; charset=utf-8', `${(e as Error)?.message ?? e}\n`);
    if (path === '/metrics') registry.metrics().then((text) => send(200, registry.contentType, text), fail);
    else if (path === '/healthz') send(200, 'text/plain; charset=utf-8', 'ok\n');
    else if (path === '/readyz')
      Promise.resolve()
        .then(readiness)
        .then((r) => send(r.ready ? 200 : 503, 'application/json', `${JSON.stringify(r)}\n`), fail);
    else send(404, 'text/plain; charset=utf-8', 'not found: /metrics, /healthz, /readyz\n');
  });
  // a scrape must not keep a stopping worker alive
  server.keepAliveTimeout = 5_000;
  const host = at.host;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
