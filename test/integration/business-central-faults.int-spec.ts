import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { BcTokens, BusinessCentralErpAdapter, ExpenseEntry, RateGovernor, RedisBcLock, bcFromEnv, parseBcSettings } from '@app/erp';
import { BcFault } from '../../apps/fake-business-central/src/fake-business-central.server';
import { bcJournalEntry, eur } from '../support/journal-entries';
import { BusinessCentralWorld, closeBcWorld, redisBcAdapter, startBusinessCentral } from '../support/fake-business-central';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/**
 * A fault at EACH step of the two posting paths (review of issue #11): a 429 with a long
 * Retry-After, a 503, and — for writes — a 504 or a dropped connection after BC committed. Whatever
 * the first attempt answers, an entry it reports posted is booked, none is failed for good by a
 * passing fault, and the retry books every entry exactly once with nothing left waiting.
 */
let world: BusinessCentralWorld;
let redis: IORedis;
const prefix = uniquePrefix();
const ctx = { correlationId: 'bc-faults' };

const adapter = () => redisBcAdapter(world, redis, prefix, fetch, 'faults');

type Rec = Record<string, unknown>;
const state = () => world.state() as unknown as { generalLedgerEntries: Rec[]; journalLines: Rec[]; purchaseInvoices: Rec[]; vendorPayments: Rec[] };
const code = (e: ExpenseEntry) => e.reference.replace(/-/g, '').toUpperCase();
const booked = (e: ExpenseEntry) => state().generalLedgerEntries.filter((g) => String(g.description).endsWith(`[${code(e)}]`));
const bookedOnce = (e: ExpenseEntry) => expect(booked(e).map((g) => g.accountNumber).sort()).toEqual(['1910', '2610', '7100']);

const transient: [string, Partial<BcFault>][] = [
  ['a 429 with a long Retry-After', { status: 429, retryAfterSeconds: 60 }],
  ['a 503', { status: 503 }],
];
const afterCommit: [string, Partial<BcFault>][] = [
  ['a 504 after commit', { afterCommit: '504' }],
  ['a dropped connection after commit', { afterCommit: 'drop' }],
];
const cases = (steps: [string, BcFault, boolean][]) =>
  steps.flatMap(([step, at, write]) => [...transient, ...(write ? afterCommit : [])].map(([what, fault]) => [`${what} at ${step}`, { ...at, ...fault }] as [string, BcFault]));

beforeAll(async () => {
  redis = new IORedis(TEST_REDIS_URL);
  world = await startBusinessCentral();
});

afterEach(() => {
  expect(world.fake.faults).toEqual([]); // the fault was met
  world.fake.faults.length = 0;
});

afterAll(() => closeBcWorld(world, redis, prefix));

describe('Business Central journal batch: a fault at each step', () => {
  it.each(
    cases([
      ['the look-up $batch', { path: '/$batch' }, false],
      ['the lines $batch', { path: '/$batch', after: 1 }, true],
      ['the tags $batch', { path: '/$batch', after: 2 }, true],
      ['the journal check before the post', { method: 'GET', path: '/journalLines', after: 1 }, false],
      ['the post', { method: 'POST', path: '/Microsoft.NAV.post' }, true],
      ['the read-back $batch', { path: '/$batch', after: 3 }, false],
    ]),
  )('%s: nothing reported posted that is not, nothing failed for good; the retry books each once', async (_what, fault) => {
    const batch = [bcJournalEntry(), bcJournalEntry(), bcJournalEntry()];
    const erp = adapter();
    await erp.verifyConnection(ctx);
    world.fake.faults.push(fault);
    const first = await erp.postExpenses(batch, ctx);
    first.forEach((r, i) => {
      expect(r.status).not.toBe('failed');
      if (r.status === 'posted') bookedOnce(batch[i]);
      else expect(r.error.retryable).toBe(true);
    });
    const retry = await adapter().postExpenses(batch, ctx);
    expect(retry.map((r) => r.status)).toEqual(['posted', 'posted', 'posted']);
    for (const e of batch) bookedOnce(e);
    expect(state().journalLines).toEqual([]);
  });
});

describe('Business Central paid bill: a fault at each step', () => {
  let vendorId: string;
  beforeAll(async () => {
    vendorId = (await adapter().createVendor({ reference: randomUUID(), name: `Faults ${randomUUID().slice(0, 6)} GmbH`, currency: 'EUR', country: 'DE' }, ctx)).id;
  });
  const bill = (): ExpenseEntry =>
    bcJournalEntry({ mode: 'accounts_payable', kind: 'card_invoice', contraAccount: '2400', vendorId, invoice: { number: `INV-${randomUUID().slice(0, 8)}`, date: '2026-11-19' }, payment: { account: '1910', date: '2026-11-21', amount: eur('125.00') } });

  it.each(
    cases([
      ['the bill look-up', { method: 'GET', path: '/purchaseInvoices?' }, false],
      ['the bill create', { method: 'POST', path: '/purchaseInvoices' }, true],
      ['tagging its line', { method: 'POST', path: '/dimensionSetLines' }, true],
      ['the bill post', { method: 'POST', path: '/Microsoft.NAV.post' }, true],
      ['the bill read-back', { method: 'GET', path: '/purchaseInvoices?', after: 1 }, false],
      ['the payment line', { method: 'POST', path: '/vendorPayments' }, true],
      ['the payment journal check', { method: 'GET', path: '/vendorPayments', after: 1 }, false],
      ['the payment post', { method: 'POST', path: '/Microsoft.NAV.post', after: 1 }, true],
      ['the payment read-back', { method: 'GET', path: '/generalLedgerEntries', after: 1 }, false],
    ]),
  )('%s: the retry finishes it — one bill, one payment, nothing waiting', async (_what, fault) => {
    const entry = bill();
    world.fake.faults.push(fault);
    const first = await adapter().postExpense(entry, ctx).then(
      (posted) => ({ posted }),
      (error: { retryable?: boolean }) => ({ error }),
    );
    if ('error' in first) expect(first.error.retryable).toBe(true);
    else expect(first.posted.paymentId).toMatch(/^gl:/);
    const done = await adapter().postExpense(entry, ctx);
    expect(done.paymentId).toMatch(/^gl:/);
    expect(state().purchaseInvoices.filter((i) => i.shipToContact === `PLEO:${code(entry)}`)).toHaveLength(1);
    expect(state().generalLedgerEntries.filter((g) => String(g.description).endsWith(`[P:${code(entry)}]`))).toHaveLength(2);
    expect(state().vendorPayments).toEqual([]);
    expect(await adapter().findPostedExpense(entry.reference, ctx)).toEqual(done);
  });
});

describe('Business Central: two workers posting batches at once under one connection’s governor', () => {
  it('their batches (one place per operation) never overrun BC’s window: no 429, each entry booked once', async () => {
    const key = `business-central:${randomUUID()}`;
    const small = { windows: [{ limit: 120, windowMs: 3_000 }], concurrent: 5 };
    const limits = world.fake.limits.settings;
    const saved = { ...limits };
    Object.assign(limits, { perWindow: 120, windowMs: 3_000 });
    const second = new IORedis(TEST_REDIS_URL);
    try {
      await new Promise((r) => setTimeout(r, 3_100)); // the fake's window starts empty
      const worker = (connection: IORedis) => {
        const { settings, secrets } = bcFromEnv(world.env);
        const s = parseBcSettings(settings);
        const tokens = new BcTokens({ tenantId: s.tenantId, clientId: s.clientId, clientSecret: secrets.clientSecret, tokenUrl: s.tokenUrl }, null);
        const governed = new RateGovernor(connection, { prefix, maxInlineWaitMs: 10_000 }).fetchFor(key, small);
        return new BusinessCentralErpAdapter(s, { tokens, fetch: governed, lock: new RedisBcLock(connection, prefix, { maxWaitMs: 60_000 }), connectionKey: 'two-workers' });
      };
      const from = world.fake.calls.length;
      const a = [...Array(25)].map(() => bcJournalEntry());
      const b = [...Array(25)].map(() => bcJournalEntry());
      const [ra, rb] = await Promise.all([worker(redis).postExpenses(a, ctx), worker(second).postExpenses(b, ctx)]);
      expect(ra.concat(rb).map((r) => r.status)).toEqual(a.concat(b).map(() => 'posted'));
      expect(world.fake.calls.slice(from).filter((c) => c.status === 429)).toEqual([]);
      for (const e of a.concat(b)) bookedOnce(e);
    } finally {
      Object.assign(limits, saved);
      await second.quit();
    }
  });
});
