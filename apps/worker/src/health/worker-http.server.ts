import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { WorkerConfig } from '@app/config';

export interface RouteAnswer {
  status: number;
  body: unknown;
  /** default application/json (the body is serialised); anything else is sent as a string */
  contentType?: string;
}

/**
 * The worker's small HTTP listener (WORKER_HEALTH_PORT; 0 = a free port). Services add GET routes
 * with `route(path, handler)` in their constructor, before it starts listening — e.g. a metrics
 * endpoint: `http.route('/metrics', async () => ({ status: 200, body: await text(), contentType: 'text/plain' }))`.
 */
@Injectable()
export class WorkerHttpServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('WorkerHttp');
  private readonly routes = new Map<string, () => Promise<RouteAnswer>>();
  private server?: Server;

  constructor(private readonly config: WorkerConfig) {}

  route(path: string, handler: () => Promise<RouteAnswer>): void {
    if (this.routes.has(path)) throw new Error(`route ${path} registered twice`);
    this.routes.set(path, handler);
  }

  /** The port it listens on (useful with WORKER_HEALTH_PORT=0). */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const handler = req.method === 'GET' || req.method === 'HEAD' ? this.routes.get(path) : undefined;
      const answer: Promise<RouteAnswer> = handler ? handler() : Promise.resolve({ status: 404, body: { error: 'not_found' } });
      answer
        .catch((err: Error) => {
          this.logger.warn(`GET ${path} failed: ${err.message}`);
          return { status: 500, body: { error: 'internal_error' } } as RouteAnswer;
        })
        .then(({ status, body, contentType = 'application/json' }) => {
          res.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
          res.end(contentType === 'application/json' ? JSON.stringify(body) : String(body));
        });
    });
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.WORKER_HEALTH_PORT, '0.0.0.0', () => resolve());
    });
    this.server = server;
    this.logger.log(`health endpoints on port ${this.port} (${[...this.routes.keys()].join(', ')})`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
