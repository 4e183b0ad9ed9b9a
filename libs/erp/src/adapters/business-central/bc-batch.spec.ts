import { randomUUID } from 'node:crypto';
import { ErpError } from '../../erp-errors';
import { BC_BATCH_MAX, batchBody, batchChunks, readBatchAnswer } from './bc-batch';
import { MARKERS_PER_LOOKUP, postedByReference, postedLookups } from './bc-journal-batch';
import { entryMarker } from './bc-mapping';

const company = '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c';

describe('Business Central $batch: building and reading', () => {
  it('builds JSON batch requests: ids in order, URLs relative to the service root, Content-Type with a body, If-Match on a change', () => {
    const body = batchBody(
      [
        { method: 'GET', path: 'journals?$filter=code%20eq%20%27PLEO%27', what: 'a' },
        { method: 'POST', path: 'journals(1)/journalLines', body: { amount: 1 }, what: 'b' },
        { method: 'DELETE', path: 'journals(1)/journalLines(2)', ifMatch: 'W/"x"', what: 'c' },
      ],
      company,
    );
    expect(body).toEqual({
      requests: [
        { id: '1', method: 'GET', url: `companies(${company})/journals?$filter=code%20eq%20%27PLEO%27` },
        { id: '2', method: 'POST', url: `companies(${company})/journals(1)/journalLines`, headers: { 'Content-Type': 'application/json' }, body: { amount: 1 } },
        { id: '3', method: 'DELETE', url: `companies(${company})/journals(1)/journalLines(2)`, headers: { 'If-Match': 'W/"x"' } },
      ],
    });
    expect(() => batchBody(Array.from({ length: BC_BATCH_MAX + 1 }, () => ({ method: 'GET' as const, path: 'x', what: 'x' })), company)).toThrow(/at most 100/);
    expect(batchChunks(Array.from({ length: 250 }, (_, i) => i)).map((c) => c.length)).toEqual([100, 100, 50]);
  });

  it('reads one result per operation by id: successes stand, a refusal is that operation\'s own error in the port\'s taxonomy', () => {
    const ops = [
      { method: 'POST' as const, path: 'a', what: 'adding line one' },
      { method: 'POST' as const, path: 'b', what: 'adding line two' },
      { method: 'GET' as const, path: 'c', what: 'reading' },
    ];
    const results = readBatchAnswer(
      {
        responses: [
          { id: '3', status: 503, headers: {}, body: { error: { code: 'ServiceUnavailable', message: 'x' } } },
          { id: '1', status: 201, headers: { etag: 'W/"1"' }, body: { id: 'l1' } },
          { id: '2', status: 400, headers: {}, body: { error: { code: 'BadRequest', message: 'The "accountNumber" does not match to an Account.  CorrelationId:  abc.' } } },
        ],
      },
      ops,
      'adding',
      true,
    );
    expect(results[0]).toEqual({ ok: true, status: 201, body: { id: 'l1' } });
    expect(results[1]).toMatchObject({ ok: false, error: { kind: 'unknown_reference', subject: 'account', retryable: false } });
    expect(results[2]).toMatchObject({ ok: false, error: { retryable: true } });
    expect((results[1] as { error: ErpError }).error.message).toContain('adding line two');
  });

  it('an answer that does not hold one response per operation is thrown as unknown (writes may have applied)', () => {
    const ops = [{ method: 'POST' as const, path: 'a', what: 'a' }, { method: 'POST' as const, path: 'b', what: 'b' }];
    for (const answer of [null, {}, { responses: [{ id: '1', status: 201 }] }, { responses: [{ id: '1', status: 201 }, { id: '7', status: 201 }] }]) {
      let caught: unknown;
      try {
        readBatchAnswer(answer, ops, 'adding', true);
      } catch (err) {
        caught = err;
      }
      expect(caught).toMatchObject({ kind: 'unavailable', mayHaveApplied: true });
    }
  });

  it('looks up posted entries MARKERS_PER_LOOKUP at a time, and picks the first G/L entry of each as findPosted does', () => {
    const refs = Array.from({ length: MARKERS_PER_LOOKUP * 2 + 1 }, () => randomUUID());
    const lookups = postedLookups(refs);
    expect(lookups).toHaveLength(3);
    expect(decodeURIComponent(lookups[2].path)).toBe(`generalLedgerEntries?$filter=contains(description,'${entryMarker(refs[40])}')&$orderby=entryNumber asc`);
    expect(decodeURIComponent(lookups[0].path).split(' or ')).toHaveLength(MARKERS_PER_LOOKUP);
    expect(lookups.every((l) => l.path.length < 2_000)).toBe(true);
    const gl = (entryNumber: number, ref: string) => ({ id: `g${entryNumber}`, entryNumber, postingDate: '2026-11-20', documentNumber: `D${entryNumber}`, accountNumber: '7100', description: `Lunch ${entryMarker(ref)}`, debitAmount: 1, creditAmount: 0 });
    const found = postedByReference(refs.slice(0, 3), [gl(9, refs[1]), gl(4, refs[1]), gl(5, refs[0])]);
    expect([...found.entries()]).toEqual([
      [refs[0], { id: 'gl:g5', number: 'D5' }],
      [refs[1], { id: 'gl:g4', number: 'D4' }],
    ]);
  });
});
