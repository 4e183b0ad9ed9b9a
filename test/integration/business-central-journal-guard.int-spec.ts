import { randomUUID } from 'node:crypto';
import IORedis from 'ioredis';
import { BusinessCentralErpAdapter, ExpenseBatchResult, ExpenseEntry } from '@app/erp';
import { bcJournalEntry, eur } from '../support/journal-entries';
import { BusinessCentralWorld, bcAdapter, closeBcWorld, redisBcAdapter, startBusinessCentral } from '../support/fake-business-central';
import { TEST_REDIS_URL, uniquePrefix } from '../support/test-env';

/**
 * Review of the journal path (issue #11): `Microsoft.NAV.post` posts EVERY line of the journal
 * batch, so our post must post exactly the lines this call decided — never a draft's, never a line
 * someone else put there, never a second set of lines a worker that lost the journal lock wrote.
 */
let world: BusinessCentralWorld;
let redis: IORedis;
const prefix = uniquePrefix();
const ctx = { correlationId: 'bc-guard' };

/** An adapter as a worker process has it: its own tokens, the shared Redis journal lock. */
const adapter = (fetchFn: typeof fetch = fetch, connectionKey = 'guard') => redisBcAdapter(world, redis, prefix, fetchFn, connectionKey);

type Rec = Record<string, unknown>;
const state = () => world.state() as unknown as { generalLedgerEntries: Rec[]; journalLines: Rec[] };
const glOf = (e: ExpenseEntry) => state().generalLedgerEntries.filter((g) => g.documentNumber === e.externalReference);
const bookedOnce = (e: ExpenseEntry) => expect(glOf(e).map((g) => g.accountNumber).sort()).toEqual(['1910', '2610', '7100']);
/** A result or a rejection as text, with the error's message (JSON leaves it out). */
const text = (r: unknown) => {
  const error = (r as { error?: Error }).error ?? r;
  return `${JSON.stringify(r)} ${(error as Error).message ?? ''}`;
};
const statuses = (results: ExpenseBatchResult[]) => results.map((r) => r.status);
const posts = () => world.fake.calls.filter((c) => !c.inBatch && /\/journals\([^)]*\)\/Microsoft\.NAV\.post$/.test(c.path));

async function journalId(): Promise<string> {
  const res = await world.request('GET', `journals?$filter=code eq 'PLEO'`);
  return ((await res.json()) as { value: { id: string }[] }).value[0].id;
}

/** A line a bookkeeper typed into the PLEO journal by hand. */
async function manualLine(postingDate = '2026-11-20'): Promise<string> {
  const body = { accountType: 'G/L Account', accountNumber: '7100', postingDate, documentNumber: 'MANUAL-1', externalDocumentNumber: 'BANKFEE', amount: 10, description: 'Bank fee typed by hand', balanceAccountType: 'G/L Account', balancingAccountNumber: '1910' };
  const res = await world.request('POST', `journals(${await journalId()})/journalLines`, body);
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function removeLine(id: string) {
  expect((await world.request('DELETE', `journals(${await journalId()})/journalLines(${id})`, undefined, { 'if-match': '*' })).status).toBe(204);
}

beforeAll(async () => {
  redis = new IORedis(TEST_REDIS_URL);
  world = await startBusinessCentral();
});

afterEach(async () => {
  world.fake.faults.length = 0;
  world.company.allowPostingFrom = null;
  for (const l of state().journalLines) await removeLine(String(l.id)); // a failed test leaves the next one a clean journal
});

afterAll(() => closeBcWorld(world, redis, prefix));

describe('Business Central journal: our post posts only what this call decided', () => {
  it('a draft in journal mode is refused with a clear message and never waits in the journal, where the next post would book it', async () => {
    const draft = bcJournalEntry({ state: 'draft' });
    const [result] = await adapter().postExpenses([draft], ctx);
    expect(result).toMatchObject({ status: 'failed', error: { kind: 'validation' } });
    expect(result.status === 'failed' && result.error.message).toMatch(/draft/i);
    await expect(adapter().postExpense(draft, ctx)).rejects.toMatchObject({ kind: 'validation' });
    const later = bcJournalEntry();
    expect(statuses(await adapter().postExpenses([later], ctx))).toEqual(['posted']);
    bookedOnce(later);
    expect(glOf(draft)).toEqual([]);
    expect(state().journalLines).toEqual([]);
  });

  it('with a draft journal (BC_DRAFT_JOURNAL_CODE) a draft waits there unposted, once; our posts never book it; the bookkeeper posting it makes it found', async () => {
    const draftJournal = world.company.addJournal('PLEO-DRAFT', 'Pleo drafts for review');
    const draftJournalId = String(draftJournal.doc.id);
    const withDrafts = () => {
      const env = { ...world.env, BC_DRAFT_JOURNAL_CODE: 'PLEO-DRAFT' } as BusinessCentralWorld['env'];
      return redisBcAdapter({ ...world, env }, redis, prefix);
    };
    const draftLines = () => state().journalLines.filter((l) => l.journalId === draftJournalId);
    const draft = bcJournalEntry({ state: 'draft' });
    const later = bcJournalEntry();

    const [left, posted] = await withDrafts().postExpenses([draft, later], ctx);
    expect(left).toMatchObject({ status: 'posted', posted: { id: expect.stringMatching(/^draft:/) } });
    expect(posted.status).toBe('posted');
    bookedOnce(later);
    expect(glOf(draft)).toEqual([]); // waiting for the bookkeeper, not booked
    expect(draftLines()).toHaveLength(1);
    expect(await withDrafts().findPostedExpense(draft.reference, ctx)).toBeNull();

    // a retry (unknown outcome, another worker) reuses the line: still one; a receipt goes on it, once
    const again = await withDrafts().postExpense(draft, ctx);
    expect(again.id).toBe(left.status === 'posted' && left.posted.id);
    expect(draftLines()).toHaveLength(1);
    const receipt = { fileName: 'r.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4 draft receipt') };
    await withDrafts().attachFile(again.id, receipt, ctx);
    await withDrafts().attachFile(again.id, receipt, ctx);
    expect(await withDrafts().attachments.count(again.id, ctx)).toBe(1);

    // the next posting of the PLEO journal leaves the draft journal alone
    const third = bcJournalEntry();
    expect(statuses(await withDrafts().postExpenses([third], ctx))).toEqual(['posted']);
    expect(glOf(draft)).toEqual([]);
    expect(draftLines()).toHaveLength(1);

    // the bookkeeper reviews and posts the draft journal in BC: from then on the entry is found booked
    expect((await world.request('POST', `journals(${draftJournalId})/Microsoft.NAV.post`)).status).toBe(204);
    bookedOnce(draft);
    expect(await withDrafts().findPostedExpense(draft.reference, ctx)).toMatchObject({ id: expect.stringMatching(/^gl:/) });
    expect((await withDrafts().postExpense(draft, ctx)).id).toMatch(/^gl:/); // not written again
    expect(draftLines()).toEqual([]);
  });

  it('BC_DRAFT_JOURNAL_CODE must name another journal than BC_JOURNAL_CODE', () => {
    expect(() => bcAdapter({ ...world, env: { ...world.env, BC_DRAFT_JOURNAL_CODE: 'pleo' } as BusinessCentralWorld['env'] })).toThrow(/BC_DRAFT_JOURNAL_CODE \(draftJournalCode\): must differ from BC_JOURNAL_CODE/);
  });

  it.each([
    ['in a batch', (erp: BusinessCentralErpAdapter, entries: ExpenseEntry[]) => erp.postExpenses(entries, ctx)],
    ['one by one', async (erp: BusinessCentralErpAdapter, entries: ExpenseEntry[]) => Promise.all(entries.map((e) => erp.postExpense(e, ctx).then(() => 'posted', (err: { kind: string }) => err)))],
  ])('a line someone else put in the journal is never posted by our post (%s): refused, naming it; our lines taken out', async (_how, run) => {
    const posted = posts().length;
    const line = await manualLine();
    const entries = [bcJournalEntry(), bcJournalEntry()];
    const results = (await run(adapter(), entries)) as unknown[];
    for (const r of results) expect(text(r)).toMatch(/configuration/);
    expect(text(results[0])).toMatch(/MANUAL-1/);
    expect(posts().length).toBe(posted); // nothing was posted
    expect(state().journalLines.map((l) => l.id)).toEqual([line]); // only the bookkeeper's line is left
    for (const e of entries) expect(glOf(e)).toEqual([]);
    expect(state().generalLedgerEntries.filter((g) => g.documentNumber === 'MANUAL-1')).toEqual([]);
    await removeLine(line);
    expect(statuses(await adapter().postExpenses(entries, ctx))).toEqual(['posted', 'posted']);
    for (const e of entries) bookedOnce(e);
  });

  it('a bad line someone else left does not fail our entries for ever with BC’s refusal of a line that is not theirs', async () => {
    const line = await manualLine('2026-09-30'); // in a closed period: BC refuses every post of the journal
    world.company.allowPostingFrom = '2026-11-01';
    const entry = bcJournalEntry();
    try {
      const [result] = await adapter().postExpenses([entry], ctx);
      expect(result).toMatchObject({ error: { kind: 'configuration' } });
      expect(result.status !== 'posted' && result.error.message).toMatch(/MANUAL-1/);
    } finally {
      world.company.allowPostingFrom = null;
    }
    await removeLine(line);
    expect(statuses(await adapter().postExpenses([entry], ctx))).toEqual(['posted']);
    bookedOnce(entry);
  });

  it('lines an earlier attempt of ANOTHER entry left (its post got a 503) are not posted with this batch; that entry is booked once by its own retry', async () => {
    const stuck = bcJournalEntry();
    world.fake.faults.push({ method: 'POST', path: '/Microsoft.NAV.post', status: 503 });
    expect(statuses(await adapter().postExpenses([stuck], ctx))).toEqual(['unknown']);
    expect(state().journalLines).toHaveLength(1);
    const other = bcJournalEntry();
    expect(statuses(await adapter().postExpenses([other], ctx))).toEqual(['posted']);
    bookedOnce(other);
    expect(glOf(stuck)).toEqual([]); // not booked behind its own run's back
    expect(statuses(await adapter().postExpenses([stuck], ctx))).toEqual(['posted']);
    bookedOnce(stuck);
    expect(state().journalLines).toEqual([]);
  });

  it('the journal lock lost mid-batch (Redis restarted): a second worker takes it; the two never book an entry twice', async () => {
    const batch = [bcJournalEntry(), bcJournalEntry(), bcJournalEntry()];
    let releaseB!: () => void;
    const gateB = new Promise<void>((r) => (releaseB = r));
    let linesOfB!: () => void;
    const bWroteLines = new Promise<void>((r) => (linesOfB = r));
    let runB: Promise<ExpenseBatchResult[]> | undefined;
    let batchesA = 0;
    let batchesB = 0;
    const erpB = adapter(async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/$batch') && ++batchesB === 2) {
        linesOfB(); // B's lines are in the journal; B waits before tagging and posting
        await gateB;
      }
      return res;
    });
    const erpA = adapter(async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/$batch') && ++batchesA === 1) {
        // A has looked up (nothing there) under the lock; Redis loses the lock key; B takes it
        for (const key of await redis.keys(`${prefix}:bc-lock:*`)) await redis.del(key);
        runB = erpB.postExpenses(batch, ctx);
        await bWroteLines;
      }
      return res;
    });
    await erpA.verifyConnection(ctx);
    await erpB.verifyConnection(ctx);
    const resultsA = await erpA.postExpenses(batch, ctx);
    releaseB();
    const resultsB = await runB!;
    expect(resultsA.concat(resultsB).filter((r) => r.status === 'failed')).toEqual([]);
    for (const e of batch) expect(glOf(e).length).toBeLessThanOrEqual(3); // never twice
    const retry = await adapter().postExpenses(batch, ctx);
    expect(statuses(retry)).toEqual(['posted', 'posted', 'posted']);
    for (const e of batch) bookedOnce(e);
    expect(state().journalLines).toEqual([]);
  });
});

describe('Business Central journal shared by two connections', () => {
  it('two connections booking into the same BC company and journal take ONE lock: neither posts nor removes the other’s lines', async () => {
    const mine = [bcJournalEntry(), bcJournalEntry()];
    const theirs = [bcJournalEntry(), bcJournalEntry()];
    let linesOfB!: () => void;
    const bWroteLines = new Promise<void>((r) => (linesOfB = r));
    let batchesB = 0;
    let runB: Promise<ExpenseBatchResult[]> | undefined;
    const erpB = adapter(async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/$batch') && ++batchesB === 2) linesOfB();
      return res;
    }, 'connection-b');
    let batchesA = 0;
    const erpA = adapter(async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).endsWith('/$batch') && ++batchesA === 1) {
        // A has looked up under its journal lock; the other connection starts on the same journal
        runB = erpB.postExpenses(theirs, ctx);
        await Promise.race([bWroteLines, new Promise((r) => setTimeout(r, 500))]);
      }
      return res;
    }, 'connection-a');
    await erpA.verifyConnection(ctx);
    await erpB.verifyConnection(ctx);
    const resultsA = await erpA.postExpenses(mine, ctx);
    const resultsB = await runB!;
    expect(statuses(resultsA.concat(resultsB))).toEqual(['posted', 'posted', 'posted', 'posted']);
    for (const e of mine.concat(theirs)) bookedOnce(e);
    for (const e of mine.concat(theirs)) expect(glOf(e).find((g) => g.accountNumber === '7100')!.dimensions).toHaveLength(2);
  });
});

describe('Business Central journal recreated under a running worker', () => {
  it('the bookkeeper deleted and recreated the PLEO journal (new id): the entries are not failed for good; the next attempt finds the new journal', async () => {
    const erp = adapter();
    const first = bcJournalEntry();
    expect(statuses(await erp.postExpenses([first], ctx))).toEqual(['posted']); // the worker knows the journal's id now
    const old = await journalId();
    world.company.journals.delete(old);
    world.company.addJournal('PLEO', 'Pleo expenses (recreated)');
    const entries = [bcJournalEntry(), bcJournalEntry()];
    const results = await erp.postExpenses(entries, ctx);
    expect(statuses(results).filter((s) => s === 'failed')).toEqual([]);
    const single = bcJournalEntry();
    const again = await erp.postExpenses(entries, ctx);
    expect(statuses(again)).toEqual(['posted', 'posted']);
    for (const e of entries) bookedOnce(e);
    await erp.postExpense(single, ctx);
    bookedOnce(single);
  });
});

describe('Business Central company keeping its books in another currency', () => {
  it('journal lines book in the company’s local currency: a EUR entry into a DKK company is refused for the connection, never booked as DKK', async () => {
    world.company.localCurrency = 'DKK';
    try {
      const entry = bcJournalEntry(); // 125.00 EUR
      const erp = adapter();
      const [result] = await erp.postExpenses([entry], ctx);
      expect(result).toMatchObject({ status: 'failed', error: { kind: 'configuration' } });
      expect(text(result)).toMatch(/DKK/);
      await expect(erp.postExpense(bcJournalEntry(), ctx)).rejects.toMatchObject({ kind: 'configuration' });
      expect(glOf(entry)).toEqual([]);
      expect(state().journalLines).toEqual([]);
    } finally {
      world.company.localCurrency = 'EUR';
    }
  });
});

describe('Business Central vendor payment journal: the payment post posts only our payment line', () => {
  const bill = (vendorId: string, over: Partial<ExpenseEntry> = {}): ExpenseEntry =>
    bcJournalEntry({ mode: 'accounts_payable', kind: 'card_invoice', contraAccount: '2400', vendorId, invoice: { number: `INV-${randomUUID().slice(0, 8)}`, date: '2026-11-19' }, payment: { account: '1910', date: '2026-11-21', amount: eur('125.00') }, ...over });
  const vendor = async () => (await adapter().createVendor({ reference: randomUUID(), name: `Guard ${randomUUID().slice(0, 6)} GmbH`, currency: 'EUR', country: 'DE' }, ctx)).id;
  const payments = () => (world.state() as unknown as { vendorPayments: Rec[] }).vendorPayments;
  const paymentJournal = async () => {
    const res = await world.request('GET', `vendorPaymentJournals?$filter=code eq 'PAYMENT'`);
    return ((await res.json()) as { value: { id: string }[] }).value[0].id;
  };
  const code = (e: ExpenseEntry) => e.reference.replace(/-/g, '').toUpperCase();
  /** its payment posted once (one G/L entry pair carrying its payment marker), nothing left waiting */
  const paidOnce = (e: ExpenseEntry) => {
    expect(state().generalLedgerEntries.filter((g) => String(g.description).includes(`[P:${code(e)}]`))).toHaveLength(2);
    expect(payments()).toEqual([]);
  };

  afterEach(async () => {
    const journal = await paymentJournal();
    for (const p of payments()) expect((await world.request('DELETE', `vendorPaymentJournals(${journal})/vendorPayments(${String(p.id)})`, undefined, { 'if-match': '*' })).status).toBe(204);
  });

  it('a payment line the bookkeeper left in the payment journal is never posted with ours: refused, naming it', async () => {
    const v = await vendor();
    const res = await world.request('POST', `vendorPaymentJournals(${await paymentJournal()})/vendorPayments`, { vendorId: v, postingDate: '2026-11-21', documentNumber: 'MANUAL-PAY', amount: 50, description: 'Rent paid by hand' });
    expect(res.status).toBe(201);
    const entry = bill(v);
    const failure = await adapter().postExpense(entry, ctx).then(() => null, (err: Error) => err);
    expect(failure).toMatchObject({ kind: 'configuration' });
    expect(failure?.message).toMatch(/MANUAL-PAY/);
    expect(state().generalLedgerEntries.filter((g) => g.documentNumber === 'MANUAL-PAY')).toEqual([]);
    expect(payments().map((p) => p.documentNumber)).toEqual(['MANUAL-PAY']); // ours taken out again
    await world.request('DELETE', `vendorPaymentJournals(${await paymentJournal()})/vendorPayments(${String(payments()[0].id)})`, undefined, { 'if-match': '*' });
    const done = await adapter().postExpense(entry, ctx);
    expect(done.paymentId).toMatch(/^gl:/);
    paidOnce(entry);
  });

  it('a paid bill whose payment is not in the company’s local currency is refused before anything is written (vendor payment lines have no currency)', async () => {
    const v = await vendor();
    world.company.localCurrency = 'DKK';
    try {
      const entry = bill(v);
      await expect(adapter().postExpense(entry, ctx)).rejects.toMatchObject({ kind: 'configuration' });
      expect(state().generalLedgerEntries.filter((g) => String(g.description).includes(code(entry)))).toEqual([]);
      expect((world.state() as unknown as { purchaseInvoices: Rec[] }).purchaseInvoices.filter((i) => i.shipToContact === `PLEO:${code(entry)}`)).toEqual([]);
    } finally {
      world.company.localCurrency = 'EUR';
    }
  });

  it('a payment BC refuses to post does not stay in the journal and block every later payment', async () => {
    const v = await vendor();
    const early = bill(v, { payment: { account: '1910', date: '2026-10-01', amount: eur('125.00') } }); // before the allowed dates: refused
    world.company.allowPostingFrom = '2026-11-01';
    await expect(adapter().postExpense(early, ctx)).rejects.toMatchObject({ kind: 'locked_period' });
    expect(payments()).toEqual([]);
    const later = bill(v);
    const done = await adapter().postExpense(later, ctx);
    expect(done.paymentId).toMatch(/^gl:/);
    paidOnce(later);
  });
});
