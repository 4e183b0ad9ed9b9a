import { ExpenseEntry, PostedExpense } from './erp-adapter.port';
import { ErpError } from './erp-errors';
import { postOneByOne } from './post-one-by-one';

const entry = (reference: string) => ({ reference }) as ExpenseEntry;
const ctx = { correlationId: 'test' };

describe('postOneByOne', () => {
  it('one result per entry, in order: posted, failed for good, and after a retryable error the rest unknown and not tried', async () => {
    const tried: string[] = [];
    const post = async (e: ExpenseEntry): Promise<PostedExpense> => {
      tried.push(e.reference);
      if (e.reference === 'bad') throw new ErpError('validation', 'refused');
      if (e.reference === 'slow') throw new ErpError('rate_limited', 'slow down', { retryAfterMs: 1000 });
      return { id: `id-${e.reference}`, number: e.reference };
    };
    const results = await postOneByOne(post, ['a', 'bad', 'b', 'slow', 'c'].map(entry), ctx);
    expect(results.map((r) => [r.reference, r.status])).toEqual([['a', 'posted'], ['bad', 'failed'], ['b', 'posted'], ['slow', 'unknown'], ['c', 'unknown']]);
    expect(tried).toEqual(['a', 'bad', 'b', 'slow']);
    expect(results[4]).toMatchObject({ error: { kind: 'rate_limited' } });
  });

  it('throws what is not an ErpError (every outcome unknown)', async () => {
    await expect(postOneByOne(async () => Promise.reject(new TypeError('bug')), [entry('a')], ctx)).rejects.toBeInstanceOf(TypeError);
  });
});
