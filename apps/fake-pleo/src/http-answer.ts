export class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

export const pleoError = (status: number, type: string, message: string, headers?: Record<string, string>) =>
  new HttpAnswer(status, { type, message }, headers);

const CURSOR_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const encodeCursor = (n: number) => `C${n.toString(32).split('').map((d) => CURSOR_ALPHABET[parseInt(d, 32)]).join('')}`;
const decodeCursor = (c: string) => parseInt(c.slice(1).split('').map((ch) => CURSOR_ALPHABET.indexOf(ch).toString(32)).join(''), 32);

/** Pleo's cursor pagination (`limit`, `after`), with the page info the specs require. */
export function paginate<T>(all: T[], url: URL, defaultLimit = 50) {
  const limit = Number(url.searchParams.get('limit') ?? defaultLimit) || defaultLimit;
  const after = url.searchParams.get('after');
  const start = after ? decodeCursor(after) : 0;
  const data = all.slice(start, start + limit);
  const end = start + data.length;
  return {
    data,
    pagination: {
      hasNextPage: end < all.length,
      hasPreviousPage: start > 0,
      startCursor: encodeCursor(start),
      endCursor: encodeCursor(end),
      total: all.length,
      currentRequestPagination: { parameters: {}, limit, ...(after && { after }) },
    },
  };
}
