import { Doc } from './fake-xero-org';

const CLAUSE = /^\s*([A-Za-z]+(?:\.[A-Za-z]+)*)\s*(==|!=)\s*(?:"((?:[^"\\]|\\.)*)"|Guid\("([^"]*)"\)|(null|true|false|-?\d+(?:\.\d+)?))\s*$/;
const CALL = /^\s*([A-Za-z]+(?:\.[A-Za-z]+)*)\.(Contains|StartsWith|EndsWith)\("((?:[^"\\]|\\.)*)"\)\s*$/;

const field = (doc: Doc, path: string): unknown => path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Doc)[k] : undefined), doc);
const unescape = (s: string) => s.replace(/\\(.)/g, '$1');

/**
 * The subset of Xero's `where` filter the service uses: `Field=="text"`, `Field!="text"`,
 * `Field==Guid("…")`, `Field==null|true|false|number`, `Field.Contains|StartsWith|EndsWith("text")`,
 * joined with `&&` / `AND`. Anything else is refused (a 400), never ignored.
 */
export function whereFilter(expr: string): ((doc: Doc) => boolean) | string {
  const tests: ((doc: Doc) => boolean)[] = [];
  for (const clause of expr.split(/&&|\s+AND\s+/)) {
    const call = CALL.exec(clause);
    if (call) {
      const [, path, fn, raw] = call;
      const text = unescape(raw);
      tests.push((doc) => {
        const v = field(doc, path);
        if (typeof v !== 'string') return false;
        return fn === 'Contains' ? v.includes(text) : fn === 'StartsWith' ? v.startsWith(text) : v.endsWith(text);
      });
      continue;
    }
    const m = CLAUSE.exec(clause);
    if (!m) return `the fake Xero cannot evaluate the where clause: ${clause.trim()}`;
    const [, path, op, quoted, guid, literal] = m;
    const expected: unknown = quoted !== undefined ? unescape(quoted) : guid !== undefined ? guid : literal === 'null' ? null : literal === 'true' ? true : literal === 'false' ? false : Number(literal);
    tests.push((doc) => {
      const v = field(doc, path) ?? null;
      const same = typeof v === 'string' && typeof expected === 'string' && guid !== undefined ? v.toLowerCase() === expected.toLowerCase() : v === expected;
      return op === '==' ? same : !same;
    });
  }
  return (doc) => tests.every((t) => t(doc));
}
