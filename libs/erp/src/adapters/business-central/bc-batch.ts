import { ErpError } from '../../erp-errors';
import { bcHttpError } from './bc-errors';
import { keySegment } from './bc-odata';

/** Business Central takes at most 100 operations in one `$batch` ("Work with API limits"). */
export const BC_BATCH_MAX = 100;

/** One operation of a `$batch`: a request as the client's other calls make it (path relative to the company). */
export interface BcBatchOperation {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  ifMatch?: string;
  /** what it does, for its error message */
  what: string;
}

export type BcBatchResult<T = unknown> = { ok: true; status: number; body: T } | { ok: false; error: ErpError };

interface BatchResponse {
  id?: unknown;
  status?: unknown;
  headers?: Record<string, string>;
  body?: unknown;
}

export const batchChunks = <T>(items: T[], size = BC_BATCH_MAX): T[][] => Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

/**
 * The JSON batch body: ids 1…n, URLs relative to the service root (`companies({id})/…`), the
 * headers each request would carry on its own (Content-Type with a body, If-Match on a change).
 * No atomicity groups: BC runs each operation on its own, so one refusal leaves the others.
 */
export function batchBody(operations: BcBatchOperation[], companyId: string) {
  if (operations.length > BC_BATCH_MAX) throw new ErpError('validation', `A Business Central $batch holds at most ${BC_BATCH_MAX} operations, not ${operations.length}.`);
  return {
    requests: operations.map((op, i) => ({
      id: String(i + 1),
      method: op.method,
      url: `${keySegment('companies', companyId)}/${op.path}`,
      ...((op.body !== undefined || op.ifMatch) && {
        headers: { ...(op.body !== undefined && { 'Content-Type': 'application/json' }), ...(op.ifMatch && { 'If-Match': op.ifMatch }) },
      }),
      ...(op.body !== undefined && { body: op.body }),
    })),
  };
}

/**
 * Each operation's result from BC's answer (matched by id). An answer that is not one response per
 * operation says nothing reliable about any of them: thrown, as unknown (writes may have applied).
 */
export function readBatchAnswer<T>(answer: unknown, operations: BcBatchOperation[], what: string, write: boolean): BcBatchResult<T>[] {
  const responses = (answer as { responses?: BatchResponse[] } | null)?.responses;
  const byId = new Map((Array.isArray(responses) ? responses : []).map((r) => [String(r?.id), r]));
  if (!Array.isArray(responses) || responses.length !== operations.length || operations.some((_, i) => !byId.has(String(i + 1)))) {
    throw new ErpError('unavailable', `Business Central answered ${what} with ${Array.isArray(responses) ? responses.length : 'no'} responses for ${operations.length} operations${write ? '; they will be checked before any retry' : ''}.`, { mayHaveApplied: write });
  }
  return operations.map((op, i): BcBatchResult<T> => {
    const r = byId.get(String(i + 1))!;
    const status = Number(r.status);
    if (status >= 200 && status < 300) return { ok: true, status, body: r.body as T };
    const valid = Number.isInteger(status) && status >= 200 && status <= 599;
    const response = new Response(null, { status: valid ? status : 500, headers: r.headers ?? {} });
    return { ok: false, error: bcHttpError(response, r.body ?? null, op.what, op.method !== 'GET') };
  });
}
