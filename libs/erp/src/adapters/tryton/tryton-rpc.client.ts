import { ErpError } from '../../erp-errors';
import { fromWire } from './tryton-wire';

export interface TrytonRpcOptions {
  url: string;
  database: string;
  user: string;
  password: string;
  fetch: typeof fetch;
  /** per request; a slow Tryton answer is a timeout the caller reconciles */
  timeoutMs?: number;
}

/** Methods that only read: a failure after sending cannot have changed anything. */
const READS = /\.(search|search_read|search_count|read|get_preferences|fields_get)$/;

/**
 * JSON-RPC to trytond (`POST <url>/<database>/`): `common.db.login` gives a session that signs the
 * following calls (`Authorization: Session base64(user:uid:session)`). trytond answers 401 when the
 * session expired, or is too old for a "fresh session" method (post, the pay wizard) — it has not
 * run the call then, so one new login and one retry are safe. Errors become ErpErrors; the password
 * and the session never appear in them.
 */
export class TrytonRpcClient {
  private session?: Promise<string>;
  private nextId = 1;

  constructor(private readonly options: TrytonRpcOptions) {}

  private get endpoint(): string {
    return `${this.options.url.replace(/\/+$/, '')}/${encodeURIComponent(this.options.database)}/`;
  }

  async call<T = unknown>(method: string, params: unknown[], signal?: AbortSignal): Promise<T> {
    const authorization = await this.authorization(signal);
    const answer = await this.send(method, params, authorization, signal);
    if (answer.status !== 401) return this.result<T>(method, answer);
    this.session = undefined;
    return this.result<T>(method, await this.send(method, params, await this.authorization(signal), signal));
  }

  /** Forgets the session (tests; a user whose password changed). */
  logout(): void {
    this.session = undefined;
  }

  private authorization(signal?: AbortSignal): Promise<string> {
    // One login at a time per client: concurrent calls share it.
    this.session ??= this.login(signal).catch((err) => {
      this.session = undefined;
      throw err;
    });
    return this.session;
  }

  private async login(signal?: AbortSignal): Promise<string> {
    const { user, password } = this.options;
    const answer = await this.send('common.db.login', [user, { password }, 'en'], undefined, signal);
    if (answer.status === 401 || answer.status === 403) {
      throw new ErpError('auth', `Tryton refused the login of user "${user}" on database "${this.options.database}": check TRYTON_USER and TRYTON_PASSWORD.`);
    }
    const [uid, session] = this.result<[number, string]>('common.db.login', answer) ?? [];
    if (!uid || !session) throw new ErpError('auth', `Tryton refused the login of user "${user}".`);
    return `Session ${Buffer.from(`${user}:${uid}:${session}`).toString('base64')}`;
  }

  private async send(method: string, params: unknown[], authorization: string | undefined, signal?: AbortSignal) {
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 60_000);
    const write = !READS.test(method);
    let res: Response;
    try {
      res = await this.options.fetch(this.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(authorization && { authorization }) },
        body: JSON.stringify({ id: this.nextId++, method, params }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (timeout.aborted) throw new ErpError('timeout', `Tryton did not answer ${method} in time.`, { cause: err, mayHaveApplied: write });
      const refused = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
      throw new ErpError('unavailable', `Tryton at ${this.options.url} cannot be reached (${code ?? (err as Error).message}).`, { cause: err, mayHaveApplied: write && !refused });
    }
    const text = await res.text().catch(() => '');
    return { status: res.status, text, write, retryAfter: res.headers.get('retry-after') };
  }

  private result<T>(method: string, answer: { status: number; text: string; write: boolean; retryAfter: string | null }): T {
    const { status, text, write } = answer;
    if (status === 429) {
      const seconds = Number(answer.retryAfter);
      throw new ErpError('rate_limited', 'Tryton asks us to slow down (too many requests).', { retryAfterMs: Number.isFinite(seconds) ? seconds * 1000 : undefined });
    }
    if (status === 401) throw new ErpError('auth', 'Tryton refused our session even after a new login.');
    if (status === 403) throw new ErpError('configuration', `Tryton does not let user "${this.options.user}" call ${method}: check the user's access rights.`);
    if (status === 404) throw new ErpError('configuration', `Tryton has no database "${this.options.database}" at ${this.options.url} (TRYTON_DATABASE).`);
    if (status >= 500 || status === 408) throw new ErpError('unavailable', `Tryton answered ${status} to ${method}.`, { mayHaveApplied: write });
    let body: { result?: unknown; error?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      throw new ErpError('unavailable', `Tryton answered ${method} with something that is not JSON-RPC (HTTP ${status}).`, { mayHaveApplied: write });
    }
    if (body.error !== undefined && body.error !== null) throw trytonError(method, body.error, write);
    return fromWire(body.result) as T;
  }
}

/** Tryton's error array `[type, args]`: UserError messages are kept word for word for the bookkeeper. */
export function trytonError(method: string, error: unknown, write: boolean): ErpError {
  const [type, args] = Array.isArray(error) ? error : [String(error), []];
  const message = Array.isArray(args) ? String(args[0] ?? '') : String(args ?? '');
  if (type === 'UserError' || type === 'UserWarning') {
    const text = `Tryton refused it: ${message}`;
    if (/period .*(closed|locked)|closed period|is closed/i.test(message)) return new ErpError('locked_period', text);
    return new ErpError('validation', text);
  }
  if (type === 'ConcurrencyException') return new ErpError('conflict', `Tryton: ${message}`);
  if (type === 'LoginException') return new ErpError('auth', `Tryton wants more to log in: ${message}`);
  if (/database is locked|OperationalError|could not serialize|deadlock/i.test(String(type))) {
    return new ErpError('unavailable', `Tryton's database is busy (${method}); retrying.`, { mayHaveApplied: write });
  }
  return new ErpError('configuration', `Tryton failed on ${method}: ${String(type).slice(0, 300)}`);
}
