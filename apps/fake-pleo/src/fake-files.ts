import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeHttp, listenHttp } from '../../fake-common/src/http-listener';

/** Pleo: a file URL is "active for a limited time (24 Hours) from the time the export item is fetched". */
const URL_TTL_MS = 24 * 3600_000;

export interface FileRequest {
  at: string;
  path: string;
  status: number;
  problem?: string;
}

/**
 * Receipt files as Pleo serves them: from another origin than the API (object storage), through
 * time-limited URLs issued each time the export items are read. Like a presigned object-store URL,
 * it refuses (400) any request that carries an `Authorization` header, and records that as a
 * problem: our credentials must never reach a file host. Optionally redirects once (302).
 */
export class FakeFiles {
  readonly files = new Map<string, { type: string; content: Buffer }>();
  /** issued URL ticket → file and when it was issued (fake clock) */
  private readonly tickets = new Map<string, { fileId: string; issuedAt: number }>();
  /** downloads answered 200, by file id */
  readonly downloads = new Map<string, number>();
  readonly requests: FileRequest[] = [];
  /** answer the first request of every URL with a 302 to a second one */
  redirectOnce = false;
  private server?: Server;
  url = '';

  constructor(
    private readonly now: () => number,
    private readonly publicUrl?: string,
  ) {}

  async listen(port = 0, host = '127.0.0.1'): Promise<string> {
    const { server, url } = await listenHttp((req, res) => this.handle(req, res), port, host);
    this.server = server;
    this.url = this.publicUrl ?? url;
    return this.url;
  }

  async close(): Promise<void> {
    await closeHttp(this.server);
  }

  reset(): void {
    this.files.clear();
    this.tickets.clear();
    this.downloads.clear();
    this.requests.length = 0;
    this.redirectOnce = false;
  }

  problems(): string[] {
    return this.requests.filter((r) => r.problem).map((r) => `GET ${r.path}: ${r.problem}`);
  }

  /** Stores a file; its permanent location (not downloadable: URLs are issued per read). */
  store(type: string, content: Buffer): string {
    if (!this.url) throw new Error('seed export jobs with files after listen(): their URLs point at the fake');
    const id = randomUUID();
    this.files.set(id, { type, content });
    return `${this.url}/files/${id}`;
  }

  /** A fresh time-limited URL for a stored file (what GET /v3/export-items hands out). */
  issue(storedUrl: string): string {
    const fileId = storedUrl.split('/').pop()!;
    if (!storedUrl.startsWith(this.url) || !this.files.has(fileId)) return storedUrl; // a URL seeded as is
    const ticket = randomUUID();
    this.tickets.set(ticket, { fileId, issuedAt: this.now() });
    return `${this.url}/files/${fileId}?ticket=${ticket}`;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://files');
    const record: FileRequest = { at: new Date().toISOString(), path: url.pathname + url.search, status: 0 };
    this.requests.push(record);
    const answer = (status: number, body: Buffer | string = '', headers: Record<string, string> = {}) => {
      record.status = status;
      res.writeHead(status, headers);
      res.end(body);
    };
    if (req.headers.authorization !== undefined) {
      record.problem = 'a receipt download carried an Authorization header (credentials sent to the file host)';
      return answer(400, 'Only one auth mechanism allowed');
    }
    const match = /^\/files\/([^/]+)$/.exec(url.pathname);
    const ticket = this.tickets.get(url.searchParams.get('ticket') ?? '');
    const file = match && this.files.get(match[1]);
    if (req.method !== 'GET' || !file || !ticket || ticket.fileId !== match[1]) return answer(404, 'no such file');
    if (this.now() - ticket.issuedAt > URL_TTL_MS) return answer(403, 'Request has expired');
    if (this.redirectOnce && !url.searchParams.has('redirected')) {
      return answer(302, '', { location: `${this.url}${url.pathname}${url.search}&redirected=1` });
    }
    this.downloads.set(match[1], (this.downloads.get(match[1]) ?? 0) + 1);
    answer(200, file.content, { 'content-type': file.type });
  }
}
