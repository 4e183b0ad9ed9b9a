import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { BC_RATE_LIMITS, BcTokens, BusinessCentralErpAdapter, ExpenseBatchResult, ExpenseEntry, LocalBcLock, RateGovernor, RedisBcLock, bcFromEnv, parseBcSettings } from '@app/erp';
import { BcFault } from '../../apps/fake-business-central/src/fake-business-central.server';
import { bcJournalEntry, eur } from '../support/journal-entries';
import { BusinessCentralWorld, closeBcWorld, startBusinessCentral } from '../support/fake-business-central';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/**
 * Journal entries in batches (`postExpenses`) against the fake Business Central: `$batch` for the
 * look-ups, lines, tags and read-back, ONE `Microsoft.NAV.post` per batch — through the real rate
 * governor and journal lock (Redis). One refused line fails only its entry; a refused post falls
 * back to entry by entry; a 504 after BC committed (the `$batch` or the post) never books twice.
 * Every request, and every operation inside a `$batch`, is checked against the fake's schemas.
 */
let world: BusinessCentralWorld;
let redis: IORedis;
const prefix = uniquePrefix();
const ctx = { correlationId: 'bc-batch' };

/** An adapter as a fresh worker process has it: its own token cache, the shared governor and lock. */
function adapter(): BusinessCentralErpAdapter {
  const { settings, secrets } = bcFromEnv(world.env);
  const s = parseBcSettings(settings);
  const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secrets.clientSecret, tokenUrl: s.tokenUrl }, null);
  const governed = new RateGovernor(redis, { prefix }).fetchFor(`business-central:${world.company.id}`, BC_RATE_LIMITS);
  return new BusinessCentralErpAdapter(s, { tokens, fetch: governed, lock: new RedisBcLock(redis, prefix), connectionKey: 'batch' });
}

const journal = bcJournalEntry;
const entries = (n: number) => Array.from({ length: n }, () => journal());

type Rec = Record<string, unknown>;
const state = () => world.state() as unknown as { generalLedgerEntries: Rec[]; journalLines: Rec[] };
const signed = (e: Rec) => Math.round((Number(e.debitAmount) - Number(e.creditAmount)) * 100) / 100;

/** Booked exactly once, balanced, tagged; no line left in the journal. */
function expectBookedOnce(entry: ExpenseEntry) {
  const gl = state().generalLedgerEntries.filter((e) => e.documentNumber === entry.externalReference);
  expect(gl.map((e) => [e.accountNumber, signed(e)]).sort()).toEqual([['1910', -125], ['2610', 25], ['7100', 100]]);
  expect(gl.find((e) => e.accountNumber === '7100')!.dimensions).toEqual(expect.arrayContaining([{ code: 'DEPT', valueCode: 'SALES' }, { code: 'PROJ', valueCode: 'P-7' }]));
}
const notBooked = (entry: ExpenseEntry) => expect(state().generalLedgerEntries.filter((e) => e.documentNumber === entry.externalReference)).toEqual([]);

/** What reached BC from here on: requests (a `$batch` is one), operations inside batches, posts. */
function counter() {
  const from = world.fake.calls.length;
  const since = () => world.fake.calls.slice(from);
  return {
    requests: () => since().filter((c) => !c.inBatch),
    operations: () => since().filter((c) => c.inBatch),
    batches: () => since().filter((c) => !c.inBatch && c.path.endsWith('/$batch')),
    posts: () => since().filter((c) => !c.inBatch && /\/journals\([^)]*\)\/Microsoft\.NAV\.post$/.test(c.path)),
  };
}
const statuses = (results: ExpenseBatchResult[]) => results.map((r) => r.status);

beforeAll(async () => {
  redis = new IORedis(TEST_REDIS_URL);
  world = await startBusinessCentral();
});

afterEach(() => {
  expect(state().journalLines).toEqual([]);
  world.fake.faults.length = 0;
});

afterAll(() => closeBcWorld(world, redis, prefix));

describe('Business Central: journal entries in $batch, one post per batch', () => {
  it('30 entries: 1 look-up $batch, 1 of lines, 1 of tags, ONE post, 1 read-back — all posted once; again: only the look-up', async () => {
    const batch = entries(30);
    const erp = adapter();
    await erp.verifyConnection(ctx); // the journal's id is known, as in a worker that has posted before
    const count = counter();
    const results = await erp.postExpenses(batch, ctx);
    expect(statuses(results)).toEqual(batch.map(() => 'posted'));
    expect(results.map((r) => r.reference)).toEqual(batch.map((e) => e.reference));
    for (const e of batch) expectBookedOnce(e);
    expect(count.posts()).toHaveLength(1);
    expect(count.requests()).toHaveLength(6); // 4 $batch, the journal read right before the post (only our lines in it), the post
    // operations counted toward BC's window: 2 G/L look-ups + 1 journal look-up, 30 lines, 60 tags, 2 read-backs
    expect(count.operations()).toHaveLength(3 + 30 + 60 + 2);
    for (const [e, r] of batch.map((e, i) => [e, results[i]] as const)) expect(r.status === 'posted' && r.posted).toEqual(await erp.findPostedExpense(e.reference, ctx));

    const again = counter();
    expect(await erp.postExpenses(batch, ctx)).toEqual(results);
    expect(again.requests()).toHaveLength(1);
    expect(again.posts()).toHaveLength(0);
  });

  it('more than 100 operations are split into several $batch requests (≤100 each), still one post', async () => {
    const batch = entries(60); // 60 lines, 120 tags
    const count = counter();
    expect(statuses(await adapter().postExpenses(batch, ctx))).toEqual(batch.map(() => 'posted'));
    expect(count.posts()).toHaveLength(1);
    const sizes = count.batches().map((b) => world.fake.calls.indexOf(b)).map((at, i, all) => (i + 1 < all.length ? all[i + 1] : world.fake.calls.length) - at - 1);
    expect(sizes.every((n) => n <= 100)).toBe(true);
    expect(count.batches().length).toBeGreaterThanOrEqual(5); // look-ups, lines, tags ×2, read-back
    for (const e of batch) expectBookedOnce(e);
  });

  it('one unknown account or tag in a batch: only that entry fails (its lines removed), the others are posted in the one post', async () => {
    const batch = entries(6);
    batch[2] = journal({ lines: [{ account: '9999', net: eur('100.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('25.00') } }] });
    batch[4] = journal({
      lines: [
        { account: '6100', net: eur('50.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('12.50') } },
        { account: '7100', net: eur('50.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('12.50') }, dimensions: [{ group: 'dept', value: 'nowhere' }] },
      ],
    });
    const count = counter();
    const results = await adapter().postExpenses(batch, ctx);
    expect(statuses(results)).toEqual(['posted', 'posted', 'failed', 'posted', 'failed', 'posted']);
    expect(results[2]).toMatchObject({ error: { kind: 'unknown_reference', subject: 'account' } });
    expect(results[4]).toMatchObject({ error: { subject: 'dimension' } });
    expect(count.posts()).toHaveLength(1);
    for (const i of [0, 1, 3, 5]) expectBookedOnce(batch[i]);
    notBooked(batch[2]);
    notBooked(batch[4]);
  });

  it('the post refused as a whole (one entry in a closed period): the batch lines are taken out, each entry posted alone — only that one fails', async () => {
    const batch = entries(4);
    batch[1] = journal({ date: '2026-09-30' });
    world.company.allowPostingFrom = '2026-11-01';
    try {
      const count = counter();
      const results = await adapter().postExpenses(batch, ctx);
      expect(statuses(results)).toEqual(['posted', 'failed', 'posted', 'posted']);
      expect(results[1]).toMatchObject({ error: { kind: 'locked_period' } });
      expect(count.posts().map((p) => p.status)).toEqual([400, 204, 400, 204, 204]); // the batch's, then one per entry
      for (const i of [0, 2, 3]) expectBookedOnce(batch[i]);
      notBooked(batch[1]);
    } finally {
      world.company.allowPostingFrom = null;
    }
  });

  it.each<[string, BcFault]>([
    ['the $batch adding the lines', { path: '/$batch', afterCommit: '504', after: 1 }],
    ['one line inside the $batch', { method: 'POST', path: '/journalLines', afterCommit: '504' }],
    ['the $batch of tags', { path: '/$batch', afterCommit: '504', after: 2 }],
    ['one tag inside the $batch', { method: 'POST', path: '/dimensionSetLines', afterCommit: '504' }],
  ])('a 504 after BC committed %s: nothing is posted, no entry reported posted; the retry reuses or replaces what was written and posts once', async (_what, fault) => {
    const batch = entries(5);
    const erp = adapter();
    await erp.verifyConnection(ctx);
    const count = counter();
    world.fake.faults.push(fault);
    const first = await erp.postExpenses(batch, ctx);
    expect(first.some((r) => r.status === 'unknown')).toBe(true);
    expect(first.every((r) => r.status === 'unknown')).toBe(true);
    expect(count.posts()).toHaveLength(0);
    for (const e of batch) expect(await erp.findPostedExpense(e.reference, ctx)).toBeNull();
    const retry = await adapter().postExpenses(batch, ctx);
    expect(statuses(retry)).toEqual(batch.map(() => 'posted'));
    expect(count.posts()).toHaveLength(1);
    for (const e of batch) expectBookedOnce(e);
  });

  it('a 504 after BC committed the post: every entry unknown, found by findPostedExpense; the retry posts nothing again', async () => {
    const batch = entries(5);
    const count = counter();
    world.fake.faults.push({ method: 'POST', path: '/Microsoft.NAV.post', afterCommit: '504' });
    const first = await adapter().postExpenses(batch, ctx);
    expect(statuses(first)).toEqual(batch.map(() => 'unknown'));
    expect(first[0]).toMatchObject({ error: { kind: 'timeout', mayHaveApplied: true } });
    for (const e of batch) expect(await adapter().findPostedExpense(e.reference, ctx)).not.toBeNull();
    const retry = await adapter().postExpenses(batch, ctx);
    expect(statuses(retry)).toEqual(batch.map(() => 'posted'));
    expect(count.posts()).toHaveLength(1);
    for (const e of batch) expectBookedOnce(e);
  });

  it('a draft in journal mode is refused alone (it cannot wait in a journal posted as a whole); a bad entry shape is its own failure', async () => {
    const draft = journal({ state: 'draft' });
    const posted = journal();
    const broken = journal({ lines: [{ account: ' ', net: eur('1.00') }] });
    const results = await adapter().postExpenses([draft, posted, broken], ctx);
    expect(statuses(results)).toEqual(['failed', 'posted', 'failed']);
    expect(results[0]).toMatchObject({ error: { kind: 'validation' } });
    expectBookedOnce(posted);
    notBooked(draft);
  });
});

describe('Business Central batches under the rate governor', () => {
  it('a $batch takes one place per operation in the governor’s window (as BC counts it): the adapter never gets a 429', async () => {
    const key = `business-central:${randomUUID()}`;
    const { settings, secrets } = bcFromEnv(world.env);
    const s = parseBcSettings(settings);
    const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secrets.clientSecret, tokenUrl: s.tokenUrl }, null);
    const small = { windows: [{ limit: 120, windowMs: 3_000 }], concurrent: 5 };
    const fake = world.fake.limits.settings;
    const saved = { ...fake };
    Object.assign(fake, { perWindow: 120, windowMs: 3_000 });
    try {
      await new Promise((r) => setTimeout(r, 3_100)); // the fake's window starts empty
      const erp = new BusinessCentralErpAdapter(s, { tokens, fetch: new RateGovernor(redis, { prefix, maxInlineWaitMs: 10_000 }).fetchFor(key, small), lock: new LocalBcLock(), connectionKey: 'governed' });
      const count = counter();
      const batch = entries(40); // ~3 + 40 + 80 + 1 + 2 operations: more than one window's 120
      expect(statuses(await erp.postExpenses(batch, ctx))).toEqual(batch.map(() => 'posted'));
      expect(count.requests().filter((c) => c.status === 429)).toEqual([]);
      for (const e of batch) expectBookedOnce(e);
    } finally {
      Object.assign(fake, saved);
    }
  });
});
