import { BC, HttpAnswer, bcError } from './bc-answers';

/**
 * OData JSON `$batch` as Business Central serves it (`POST …/api/v2.0/$batch`, Content-Type
 * application/json; Microsoft's "Using OData transactional $batch requests" and the OData 4.01 JSON
 * batch format): `{"requests":[{"id","method","url","headers","body","dependsOn"?,"atomicityGroup"?}]}`
 * → 200 `{"responses":[{"id","status","headers","body"}]}`, one answer per operation in order.
 * URLs are relative to the service root (`companies({id})/…`) or absolute under it. At most 100
 * operations ("Work with API limits"). `Isolation: snapshot` runs the batch as one transaction:
 * one failed operation undoes all of them. Several requests in one atomicity group (change set)
 * are refused as BC does ("Multiple requests within the same change set are not supported",
 * microsoft/AL#5553). `$<id>` references to an earlier answer are not served by this fake.
 */
export const MAX_BATCH_OPERATIONS = 100;

const METHODS = new Set(['GET', 'POST', 'PATCH', 'DELETE']);

export interface BatchOperation {
  id: string;
  method: string;
  /** the path after …/api/v2.0/ (with its query string) */
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

export interface BatchAnswer {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** A batch read from its request, or the problem (a 400 for the whole batch, recorded as a violation). */
export function readBatch(contentType: string | undefined, raw: Buffer, serviceRoot: string): { operations: BatchOperation[] } | { problem: string } {
  if (!/^application\/json/i.test(contentType ?? '')) return { problem: `A $batch request must be sent as application/json (JSON batch), not ${contentType ?? 'no content type'}.` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { problem: 'The $batch request body is not valid JSON.' };
  }
  const requests = (parsed as { requests?: unknown } | null)?.requests;
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed) || Object.keys(parsed).some((k) => k !== 'requests')) return { problem: 'A $batch body is an object with "requests" only.' };
  if (!Array.isArray(requests) || !requests.length) return { problem: 'A $batch body needs a non-empty "requests" array.' };
  if (requests.length > MAX_BATCH_OPERATIONS) return { problem: `A $batch request can contain at most ${MAX_BATCH_OPERATIONS} operations; this one has ${requests.length}.` };
  const operations: BatchOperation[] = [];
  const groups = new Map<string, number>();
  for (const [i, r] of requests.entries()) {
    const where = `requests[${i}]`;
    if (!r || typeof r !== 'object' || Array.isArray(r)) return { problem: `${where} is not an object.` };
    const req = r as Record<string, unknown>;
    const unknown = Object.keys(req).filter((k) => !['id', 'method', 'url', 'headers', 'body', 'dependsOn', 'atomicityGroup'].includes(k));
    if (unknown.length) return { problem: `${where} has unknown properties: ${unknown.join(', ')}.` };
    if (typeof req.id !== 'string' || !req.id) return { problem: `${where} needs an "id" (a string).` };
    if (operations.some((o) => o.id === req.id)) return { problem: `${where}: the id '${req.id}' is used twice.` };
    if (typeof req.method !== 'string' || !METHODS.has(req.method.toUpperCase())) return { problem: `${where}: "method" must be one of ${[...METHODS].join(', ')}.` };
    if (typeof req.url !== 'string' || !req.url) return { problem: `${where} needs a "url".` };
    const url = relativeUrl(req.url, serviceRoot);
    if (url === null) return { problem: `${where}: the url '${req.url}' is neither relative to the service root (companies(…)/…) nor under it.` };
    if (url.startsWith('$')) return { problem: `${where}: references to another request's result ('${req.url}') are not served by this fake.` };
    const headers: Record<string, string> = {};
    if (req.headers !== undefined) {
      if (!req.headers || typeof req.headers !== 'object' || Array.isArray(req.headers)) return { problem: `${where}: "headers" must be an object.` };
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v !== 'string') return { problem: `${where}: the header ${k} must be a string.` };
        headers[k.toLowerCase()] = v;
      }
    }
    if (req.body !== undefined && (req.body === null || typeof req.body !== 'object')) return { problem: `${where}: "body" must be a JSON object.` };
    if (req.body !== undefined && !/^application\/json/i.test(headers['content-type'] ?? '')) return { problem: `${where}: a body needs the header Content-Type: application/json.` };
    const dependsOn = req.dependsOn ?? [];
    if (!Array.isArray(dependsOn) || dependsOn.some((d) => typeof d !== 'string' || !operations.some((o) => o.id === d))) return { problem: `${where}: "dependsOn" must name earlier requests of the batch.` };
    if (req.atomicityGroup !== undefined) {
      if (typeof req.atomicityGroup !== 'string') return { problem: `${where}: "atomicityGroup" must be a string.` };
      groups.set(req.atomicityGroup, (groups.get(req.atomicityGroup) ?? 0) + 1);
    }
    operations.push({ id: req.id, method: req.method.toUpperCase(), url, headers, body: req.body, dependsOn: dependsOn as string[] });
  }
  const shared = [...groups.entries()].find(([, n]) => n > 1);
  if (shared) return { problem: `Multiple requests within the same change set are not supported by Microsoft Dynamics 365 Business Central OData web services (atomicityGroup '${shared[0]}').` };
  return { operations };
}

/** `companies(…)/…` from a relative or absolute URL; null when it points elsewhere. */
function relativeUrl(url: string, serviceRoot: string): string | null {
  if (/^https?:\/\//i.test(url)) return url.startsWith(`${serviceRoot}/`) ? url.slice(serviceRoot.length + 1) : null;
  if (url.startsWith('/')) return null;
  return url;
}

/** One operation's answer in the batch's body. */
export function batchAnswer(id: string, answer: HttpAnswer): BatchAnswer {
  const headers: Record<string, string> = { ...answer.headers };
  let body = answer.body;
  if (Buffer.isBuffer(body)) body = body.toString('base64');
  if (body !== undefined && !Buffer.isBuffer(answer.body)) headers['content-type'] = 'application/json; odata.metadata=minimal';
  return { id, status: answer.status, headers, ...(body !== undefined && { body }) };
}

/** The answer of an operation whose dependency failed (OData 4.01: 424 Failed Dependency). */
export const failedDependency = (id: string, on: string): BatchAnswer => batchAnswer(id, bcError(424, BC.badRequest, `The request depends on request '${on}', which failed.`));

/**
 * A deep copy of a company's state to undo a transactional batch (`Isolation: snapshot`): tables,
 * maps, ledgers and number series, restored onto the same object so every reference stays valid.
 */
export function snapshotOf(target: object): () => void {
  const saved = Object.fromEntries(Object.entries(target).map(([k, v]) => [k, deepCopy(v)]));
  return () => {
    for (const [k, v] of Object.entries(saved)) (target as Record<string, unknown>)[k] = deepCopy(v);
  };
}

function deepCopy<T>(value: T, seen = new Map<unknown, unknown>()): T {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value) as T;
  if (Buffer.isBuffer(value)) return Buffer.from(value) as T;
  if (value instanceof Date) return new Date(value) as T;
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(k, deepCopy(v, seen));
    return out as T;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(deepCopy(v, seen));
    return out as T;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(deepCopy(v, seen));
    return out as T;
  }
  const out = Object.create(Object.getPrototypeOf(value) as object) as Record<string, unknown>;
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = deepCopy(v, seen);
  return out as T;
}
