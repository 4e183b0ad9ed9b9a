export type Doc = Record<string, unknown>;
type Test = (doc: Doc) => boolean;

const TOKEN = /\s*(?:(\()|(\))|(,)|'((?:[^']|'')*)'|([A-Za-z0-9_.:+\-/]+))/y;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?$/;
const COMPARE = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const FUNCTIONS = new Set(['contains', 'startswith', 'endswith']);

type Tok = { kind: '(' | ')' | ',' | 'str' | 'word'; text: string };

function tokenize(expr: string): Tok[] | string {
  const out: Tok[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < expr.length) {
    if (!expr.slice(at).trim()) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(expr);
    if (!m) return `Syntax error at position ${at} in '${expr}'.`;
    at = TOKEN.lastIndex;
    if (m[1]) out.push({ kind: '(', text: '(' });
    else if (m[2]) out.push({ kind: ')', text: ')' });
    else if (m[3]) out.push({ kind: ',', text: ',' });
    else if (m[4] !== undefined) out.push({ kind: 'str', text: m[4].replace(/''/g, "'") });
    else out.push({ kind: 'word', text: m[5] });
  }
  return out;
}

const literal = (t: Tok): unknown => {
  if (t.kind === 'str') return t.text;
  if (t.text === 'null') return null;
  if (t.text === 'true') return true;
  if (t.text === 'false') return false;
  if (GUID.test(t.text) || DATE.test(t.text)) return t.text;
  if (/^-?\d+(\.\d+)?$/.test(t.text)) return Number(t.text);
  throw new Error(`'${t.text}' is not a literal: strings are quoted ('...'), guids, dates and numbers are not.`);
};

/** BC's SQL collation is case-insensitive: text comparisons ignore case, as `SetRange` does in BC. */
const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

function compare(op: string, actual: unknown, expected: unknown): boolean {
  const a = norm(actual ?? null);
  const e = norm(expected);
  if (op === 'eq') return a === e || (a === '' && e === null);
  if (op === 'ne') return !(a === e || (a === '' && e === null));
  if (a === null || e === null) return false;
  const order = typeof a === 'number' && typeof e === 'number' ? a - e : String(a) < String(e) ? -1 : String(a) > String(e) ? 1 : 0;
  return op === 'gt' ? order > 0 : op === 'ge' ? order >= 0 : op === 'lt' ? order < 0 : order <= 0;
}

/**
 * OData v4 `$filter` as far as the fake needs it: `field eq|ne|gt|ge|lt|le literal`,
 * `contains|startswith|endswith(field,'text')`, `and`, `or`, `not`, parentheses. Literals:
 * 'quoted strings' ('' is a quote), guids, dates, numbers, true/false/null. A field the entity
 * does not have, or anything else, is a 400 (returned as a string), never ignored.
 */
export function parseFilter(expr: string, fields: Set<string>): Test | string {
  const toks = tokenize(expr);
  if (typeof toks === 'string') return toks;
  let i = 0;
  const peek = () => toks[i];
  const take = (kind?: Tok['kind'], text?: string): Tok => {
    const t = toks[i];
    if (!t || (kind && t.kind !== kind) || (text && t.text.toLowerCase() !== text)) throw new Error(`Syntax error near '${t?.text ?? 'end of expression'}' in '${expr}'.`);
    i++;
    return t;
  };
  const field = (t: Tok) => {
    if (t.kind !== 'word' || !fields.has(t.text)) throw new Error(`Could not find a property named '${t.text}' on type 'Microsoft.NAV'.`);
    return t.text;
  };
  const primary = (): Test => {
    const t = peek();
    if (t?.kind === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    if (t?.kind === 'word' && t.text.toLowerCase() === 'not') {
      take();
      const inner = primary();
      return (d) => !inner(d);
    }
    if (t?.kind === 'word' && FUNCTIONS.has(t.text.toLowerCase()) && toks[i + 1]?.kind === '(') {
      const fn = take().text.toLowerCase();
      take('(');
      const name = field(take());
      take(',');
      const text = String(norm(literal(take('str'))));
      take(')');
      return (d) => {
        const v = norm(d[name]);
        if (typeof v !== 'string') return false;
        return fn === 'contains' ? v.includes(text) : fn === 'startswith' ? v.startsWith(text) : v.endsWith(text);
      };
    }
    const name = field(take('word'));
    const op = take('word').text.toLowerCase();
    if (!COMPARE.has(op)) throw new Error(`Unknown operator '${op}' in '${expr}'.`);
    const value = literal(take());
    return (d) => compare(op, d[name], value);
  };
  const and = (): Test => {
    let left = primary();
    while (peek()?.kind === 'word' && peek().text.toLowerCase() === 'and') {
      take();
      const l = left;
      const r = primary();
      left = (d) => l(d) && r(d);
    }
    return left;
  };
  const or = (): Test => {
    let left = and();
    while (peek()?.kind === 'word' && peek().text.toLowerCase() === 'or') {
      take();
      const l = left;
      const r = and();
      left = (d) => l(d) || r(d);
    }
    return left;
  };
  try {
    const test = or();
    if (i < toks.length) throw new Error(`Syntax error near '${toks[i].text}' in '${expr}'.`);
    return test;
  } catch (err) {
    return (err as Error).message;
  }
}

const KNOWN = new Set(['$filter', '$top', '$skip', '$expand', '$select', '$orderby', '$count', 'company', 'tenant']);

/** The query options of a GET; anything unknown or malformed is a 400 (a string). */
export function readQuery(params: URLSearchParams, fields: Set<string>, navigations: Set<string>) {
  for (const key of params.keys()) if (!KNOWN.has(key)) return `The query parameter '${key}' is not supported.`;
  const filter = params.get('$filter');
  const test = filter ? parseFilter(filter, fields) : () => true;
  if (typeof test === 'string') return test;
  const num = (name: string) => {
    const raw = params.get(name);
    if (raw === null) return undefined;
    return /^\d+$/.test(raw) ? Number(raw) : NaN;
  };
  const top = num('$top');
  const skip = num('$skip');
  if (Number.isNaN(top) || Number.isNaN(skip)) return 'Invalid value for $top or $skip: a non-negative integer is expected.';
  const expand = (params.get('$expand') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknownExpand = expand.find((e) => !navigations.has(e));
  if (unknownExpand) return `Could not find a navigation property named '${unknownExpand}'.`;
  const select = (params.get('$select') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const unknownSelect = select.find((s) => !fields.has(s));
  if (unknownSelect) return `Could not find a property named '${unknownSelect}'.`;
  const orderby = params.get('$orderby')?.trim();
  let order: { field: string; desc: boolean } | undefined;
  if (orderby) {
    const [field, dir = 'asc'] = orderby.split(/\s+/);
    if (!fields.has(field) || !['asc', 'desc'].includes(dir)) return `The $orderby '${orderby}' is not supported.`;
    order = { field, desc: dir === 'desc' };
  }
  return { test, top, skip, expand, select, order, count: params.get('$count') === 'true' };
}

export type Query = Exclude<ReturnType<typeof readQuery>, string>;

export function applyQuery(docs: Doc[], q: Query): { page: Doc[]; total: number } {
  let found = docs.filter(q.test);
  if (q.order) {
    const { field, desc } = q.order;
    found = [...found].sort((a, b) => (compare('lt', a[field], b[field]) ? -1 : compare('gt', a[field], b[field]) ? 1 : 0) * (desc ? -1 : 1));
  }
  const start = q.skip ?? 0;
  return { page: found.slice(start, q.top === undefined ? undefined : start + q.top), total: found.length };
}
