export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export const pleoError = (status: number, type: string, message: string, headers?: Record<string, string>) =>
  new HttpAnswer(status, { type, message }, headers);

/** The largest page the fake hands out, whatever `limit` asks (Pleo caps pages too). */
export const MAX_PAGE_SIZE = 50;

/**
 * Opaque cursors keyed by the item's id (a list that changes between pages does not shift them),
 * in the spec's cursor alphabet (`^[A-Z2-7=~]+$`: RFC 4648 base32).
 */
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function encodeCursor(id: string): string {
  let bits = '';
  for (const byte of Buffer.from(`id:${id}`)) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += B32[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}
function decodeCursor(cursor: string): string | null {
  let bits = '';
  for (const ch of cursor.replace(/[=~]/g, '')) {
    const v = B32.indexOf(ch);
    if (v < 0) return null;
    bits += v.toString(2).padStart(5, '0');
  }
  const bytes: number[] = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  const text = Buffer.from(bytes).toString();
  return text.startsWith('id:') ? text.slice(3) : null;
}

/**
 * Pleo's cursor pagination (`limit`, `before`, `after`, `offset`), with the page info the specs
 * require. `before`, `after` and `offset` exclude each other (400, as the spec says); `limit=0` is
 * an empty page; `limit` above MAX_PAGE_SIZE is capped; no endCursor is given past the last page.
 */
export function paginate<T>(all: T[], url: URL, keyOf: (item: T) => string, defaultLimit = MAX_PAGE_SIZE): { data: T[]; pagination: Record<string, unknown> } | HttpAnswer {
  const q = url.searchParams;
  const given = ['before', 'after', 'offset'].filter((p) => q.has(p));
  if (given.length > 1) return pleoError(400, 'INVALID_PAGINATION', `${given.join(' and ')} cannot be used together`);
  const rawLimit = q.get('limit');
  const limit = Math.min(rawLimit === null ? defaultLimit : Math.max(0, Number(rawLimit) || 0), MAX_PAGE_SIZE);
  const position = (cursor: string) => {
    const id = decodeCursor(cursor);
    const index = id === null ? -1 : all.findIndex((item) => keyOf(item) === id);
    return index;
  };
  let start = 0;
  let end: number;
  if (q.has('after')) {
    const at = position(q.get('after')!);
    if (at < 0) return pleoError(400, 'INVALID_CURSOR', 'unknown cursor');
    start = at + 1;
    end = Math.min(all.length, start + limit);
  } else if (q.has('before')) {
    const at = position(q.get('before')!);
    if (at < 0) return pleoError(400, 'INVALID_CURSOR', 'unknown cursor');
    end = at;
    start = Math.max(0, end - limit);
  } else {
    start = Math.min(all.length, Math.max(0, Number(q.get('offset') ?? 0) || 0));
    end = Math.min(all.length, start + limit);
  }
  const data = all.slice(start, end);
  const hasNextPage = end < all.length;
  return {
    data,
    pagination: {
      hasNextPage,
      hasPreviousPage: start > 0,
      ...(data.length && { startCursor: encodeCursor(keyOf(data[0])) }),
      ...(data.length && hasNextPage && { endCursor: encodeCursor(keyOf(data[data.length - 1])) }),
      total: all.length,
      currentRequestPagination: {
        parameters: {},
        limit,
        ...Object.fromEntries(given.map((p) => [p, p === 'offset' ? Number(q.get(p)) : q.get(p)])),
      },
    },
  };
}

/** A paginated list as an answer (or the 400 pagination gave). */
export function pageAnswer<T>(all: T[], url: URL, keyOf: (item: T) => string): HttpAnswer {
  const page = paginate(all, url, keyOf);
  return page instanceof HttpAnswer ? page : new HttpAnswer(200, page);
}
