import { randomUUID } from 'node:crypto';
import { CommonConfig } from '@app/config';
import { PrismaService } from '@app/database';
import { ErpError, ExpenseEntry, SandboxErpAdapter } from '@app/erp';
import { TEST_DATABASE_URL } from '../support/test-env';

/** The sandbox ERP against the real PostgreSQL: numbering, uniqueness, idempotent writes. */
describe('SandboxErpAdapter', () => {
  const prisma = new PrismaService({ DATABASE_URL: TEST_DATABASE_URL } as CommonConfig);
  const erp = new SandboxErpAdapter(prisma);
  const ctx = { correlationId: 'test' };
  const unique = () => randomUUID().slice(0, 8);

  afterAll(() => prisma.onApplicationShutdown());

  const kindOf = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      expect(err).toBeInstanceOf(ErpError);
      return { kind: (err as ErpError).kind, retryable: (err as ErpError).retryable, message: (err as Error).message };
    }
    throw new Error('expected an ErpError');
  };

  it('numbers vendors itself and finds them by reference, tax number and name (case-insensitive)', async () => {
    const reference = randomUUID();
    const tax = `DK${unique()}`;
    const name = `Acme ${unique()} ApS`;
    const created = await erp.createVendor({ reference, name, currency: 'DKK', taxNumber: tax, country: 'DK' }, ctx);
    expect(created.code).toMatch(/^V-\d{5,}$/);
    const second = await erp.createVendor({ reference: randomUUID(), name: `Other ${unique()}`, currency: 'DKK' }, ctx);
    expect(Number(second.code.slice(2))).toBeGreaterThan(Number(created.code.slice(2)));

    expect((await erp.findVendor({ reference }, ctx))?.id).toBe(created.id);
    expect((await erp.findVendor({ reference: randomUUID(), taxNumber: tax }, ctx))?.id).toBe(created.id);
    expect((await erp.findVendor({ name: `  ${name.toUpperCase()} ` }, ctx))?.id).toBe(created.id);
    expect(await erp.findVendor({ reference: randomUUID(), name: 'nobody' }, ctx)).toBeNull();
  });

  it('refuses duplicate names, over-long names and unknown currencies, as permanent errors', async () => {
    const name = `Dup ${unique()}`;
    await erp.createVendor({ reference: randomUUID(), name, currency: 'EUR' }, ctx);
    expect(await kindOf(erp.createVendor({ reference: randomUUID(), name: name.toLowerCase(), currency: 'EUR' }, ctx))).toMatchObject({ kind: 'conflict', retryable: false });
    expect(await kindOf(erp.createVendor({ reference: randomUUID(), name: 'x'.repeat(101), currency: 'EUR' }, ctx))).toMatchObject({ kind: 'validation', retryable: false });
    expect(await kindOf(erp.createVendor({ reference: randomUUID(), name: `C ${unique()}`, currency: 'euro' }, ctx))).toMatchObject({ kind: 'validation' });
  });

  it('posts an entry once per reference, finds it again, and attaches each file once', async () => {
    const vendor = await erp.createVendor({ reference: randomUUID(), name: `AP ${unique()}`, currency: 'EUR' }, ctx);
    const entry: ExpenseEntry = {
      reference: randomUUID(),
      mode: 'accounts_payable',
      state: 'posted',
      externalReference: 'B-1001',
      date: '2026-11-20',
      description: 'Office chairs',
      total: { value: '119.00', currency: 'EUR' },
      vendorId: vendor.id,
      contraAccount: '2400',
      lines: [{ account: '6100', net: { value: '100.00', currency: 'EUR' }, tax: { code: 'S19', mode: 'inclusive', amount: { value: '19.00', currency: 'EUR' } } }],
    };
    const posted = await erp.postExpense(entry, ctx);
    expect(posted.number).toMatch(/^JE-\d+$/);
    expect(await erp.postExpense(entry, ctx)).toEqual(posted); // a retry does not post twice
    expect(await erp.findPostedExpense(entry.reference, ctx)).toEqual(posted);
    expect(await erp.findPostedExpense(randomUUID(), ctx)).toBeNull();

    const file = { fileName: 'receipt.pdf', mimeType: 'application/pdf', content: Buffer.from('%PDF-1.4 receipt') };
    await erp.attachFile(posted.id, file, ctx);
    await erp.attachFile(posted.id, { ...file, fileName: 'again.pdf' }, ctx);
    const attachments = await prisma.sandboxAttachment.findMany({ where: { entryId: posted.id } });
    expect(attachments).toHaveLength(1);
    expect(attachments[0]).toMatchObject({ size: file.content.length, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    expect(await kindOf(erp.attachFile(randomUUID(), file, ctx))).toMatchObject({ kind: 'unknown_reference' });
    expect(await kindOf(erp.postExpense({ ...entry, reference: randomUUID(), vendorId: undefined }, ctx))).toMatchObject({ kind: 'validation' });
    expect(await kindOf(erp.postExpense({ ...entry, reference: randomUUID(), vendorId: randomUUID() }, ctx))).toMatchObject({ kind: 'unknown_reference' });
  });

  it('checks accounts and tax codes against its chart, and that the entry balances', async () => {
    const base: ExpenseEntry = {
      reference: randomUUID(),
      mode: 'journal',
      state: 'draft',
      date: '2026-11-21',
      description: 'Taxi',
      total: { value: '50.00', currency: 'DKK' },
      contraAccount: '1910',
      lines: [{ account: '7000', net: { value: '40.00', currency: 'DKK' }, tax: { code: 'S25', mode: 'inclusive', amount: { value: '10.00', currency: 'DKK' } } }],
    };
    const unknownAccount = await kindOf(erp.postExpense({ ...base, lines: [{ ...base.lines[0], account: '6999' }] }, ctx));
    expect(unknownAccount).toMatchObject({ kind: 'unknown_reference', message: 'Account No. 6999 does not exist in the Accounting System. Check Category.' });
    const unknownTax = await kindOf(erp.postExpense({ ...base, lines: [{ ...base.lines[0], tax: { ...base.lines[0].tax!, code: 'S99' } }] }, ctx));
    expect(unknownTax).toMatchObject({ kind: 'unknown_reference', message: 'Tax Code S99 does not exist in the Accounting System.' });
    expect(await kindOf(erp.postExpense({ ...base, total: { value: '49.99', currency: 'DKK' } }, ctx))).toMatchObject({ kind: 'validation', message: expect.stringContaining('does not balance') });
    // Reverse charge tax is booked in and out: not part of the total.
    const rc = { ...base, reference: randomUUID(), total: { value: '40.00', currency: 'DKK' }, lines: [{ ...base.lines[0], tax: { code: 'RC25', mode: 'reverse' as const, amount: { value: '10.00', currency: 'DKK' } } }] };
    expect((await erp.postExpense(rc, ctx)).number).toMatch(/^JE-/);
    const stored = await prisma.sandboxEntry.findUnique({ where: { book_reference: { book: 'default', reference: rc.reference } } });
    expect(stored).toMatchObject({ state: 'draft', mode: 'journal', currency: 'DKK' });
    expect(String(stored!.total)).toBe('40');
  });

  it('reports an unreachable database as the ERP being unavailable (retryable, may have applied)', async () => {
    const down = new PrismaService({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:1/none' } as CommonConfig);
    try {
      const err = await new SandboxErpAdapter(down).verifyConnection().catch((e) => e);
      expect(err).toBeInstanceOf(ErpError);
      expect(err).toMatchObject({ kind: 'unavailable', retryable: true, mayHaveApplied: true });
    } finally {
      await down.onApplicationShutdown();
    }
  });
});
