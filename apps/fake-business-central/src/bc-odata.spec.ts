import { parseFilter, readQuery, applyQuery } from './bc-odata';

const fields = new Set(['number', 'displayName', 'amount', 'postingDate', 'id']);
const docs = [
  { id: '0a077d18-45e3-ea11-bb43-000d3a2feca1', number: 'V00010', displayName: "O'Brien & Co", amount: 10, postingDate: '2026-05-01' },
  { id: '1b077d18-45e3-ea11-bb43-000d3a2feca1', number: 'V00020', displayName: 'Acme GmbH', amount: -5, postingDate: '2026-06-01' },
];
const run = (expr: string) => {
  const test = parseFilter(expr, fields);
  if (typeof test === 'string') throw new Error(test);
  return docs.filter(test).map((d) => d.number);
};

describe('OData $filter of the fake Business Central', () => {
  it('evaluates eq/ne/gt/le, and/or/not, parentheses, functions, escaped quotes, guids and dates', () => {
    expect(run("displayName eq 'o''brien & co'")).toEqual(['V00010']); // '' is a quote; text compares without case
    expect(run("number ne 'V00010'")).toEqual(['V00020']);
    expect(run('amount gt 0 or postingDate ge 2026-06-01')).toEqual(['V00010', 'V00020']);
    expect(run("not (amount le 0) and startswith(number,'V000')")).toEqual(['V00010']);
    expect(run("contains(displayName,'GMBH')")).toEqual(['V00020']);
    expect(run('id eq 1B077D18-45E3-EA11-BB43-000D3A2FECA1')).toEqual(['V00020']);
  });

  it('refuses what it cannot evaluate instead of ignoring it', () => {
    expect(parseFilter('displayName eq Acme', fields)).toMatch(/not a literal/);
    expect(parseFilter("vatNumber eq 'x'", fields)).toMatch(/Could not find a property named 'vatNumber'/);
    expect(parseFilter("number eq 'a' and", fields)).toMatch(/Syntax error/);
    expect(parseFilter("substringof('a',number)", fields)).toMatch(/property named 'substringof'/);
  });

  it('pages with $top/$skip and refuses unknown query options, $expand and $select names', () => {
    const q = readQuery(new URLSearchParams({ $top: '1', $skip: '1', $orderby: 'number desc' }), fields, new Set());
    if (typeof q === 'string') throw new Error(q);
    expect(applyQuery(docs, q)).toEqual({ page: [docs[0]], total: 2 });
    expect(readQuery(new URLSearchParams({ $search: 'x' }), fields, new Set())).toMatch(/not supported/);
    expect(readQuery(new URLSearchParams({ $expand: 'lines' }), fields, new Set(['dimensionSetLines']))).toMatch(/navigation property named 'lines'/);
    expect(readQuery(new URLSearchParams({ $top: '-1' }), fields, new Set())).toMatch(/\$top/);
  });
});
