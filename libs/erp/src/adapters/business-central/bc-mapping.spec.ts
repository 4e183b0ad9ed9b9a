import { ExpenseEntry } from '../../erp-adapter.port';
import { PAID_BY_PLEO, documentNumber, journalLines, markedDescription, purchaseInvoice, purchaseInvoiceLines } from './bc-mapping';

const eur = (value: string) => ({ value, currency: 'EUR' });
const entry = (over: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  reference: '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c',
  externalReference: 'book-42',
  mode: 'journal',
  state: 'posted',
  date: '2026-11-20',
  description: 'Team lunch',
  total: eur('145.00'),
  contraAccount: '1910',
  lines: [
    { account: '7100', net: eur('100.00'), tax: { code: 's25', mode: 'inclusive', amount: eur('25.00') }, dimensions: [{ group: 'dept', value: 'sales' }] },
    { account: '6300', net: eur('20.00'), tax: { code: 'RC25', mode: 'reverse', amount: eur('5.00') } },
  ],
  ...over,
});

describe('Business Central mapping', () => {
  it('books each line gross of paid tax against the contra account; reverse charge carries the net only', () => {
    const [meal, software] = journalLines(entry());
    expect(meal.line).toEqual({
      accountType: 'G/L Account',
      accountNumber: '7100',
      postingDate: '2026-11-20',
      documentNumber: 'BOOK-42',
      externalDocumentNumber: '0B7A3C1E2D4F4E6A8B9C0D1E2F3A4B5C',
      amount: 125,
      description: 'Team lunch [0B7A3C1E2D4F4E6A8B9C0D1E2F3A4B5C]',
      taxCode: 'S25',
      balanceAccountType: 'G/L Account',
      balancingAccountNumber: '1910',
    });
    expect(meal.dimensions).toEqual([{ code: 'DEPT', valueCode: 'SALES' }]);
    expect(software.line).toMatchObject({ amount: 20, taxCode: 'RC25' });
    expect(software.dimensions).toEqual([]);
  });

  it('keeps the marker whole within 100 characters and a document number within 20', () => {
    const text = markedDescription('x'.repeat(200), '[ABC]');
    expect(text).toHaveLength(100);
    expect(text.endsWith(' [ABC]')).toBe(true);
    expect(documentNumber(entry({ externalReference: 'a-reconciliation-id-longer-than-twenty' }))).toBe('PLEO0B7A3C1E2D4F4E6A');
    expect(documentNumber(entry({ externalReference: undefined }))).toHaveLength(20);
  });

  it('makes a purchase invoice excluding tax, with the vendor\'s invoice number and our tag', () => {
    const bill = entry({ mode: 'accounts_payable', invoice: { number: 'INV-7', date: '2026-11-19', dueDate: '2026-12-19' } });
    expect(purchaseInvoice(bill, 'vendor-guid', 'PLEO:X')).toEqual({
      vendorId: 'vendor-guid',
      vendorInvoiceNumber: 'INV-7',
      invoiceDate: '2026-11-19',
      postingDate: '2026-11-20',
      dueDate: '2026-12-19',
      currencyCode: 'EUR',
      pricesIncludeTax: false,
      shipToContact: 'PLEO:X',
    });
    expect(purchaseInvoiceLines(bill)).toEqual([
      { lineType: 'Account', lineObjectNumber: '7100', description: 'Team lunch', quantity: 1, unitCost: 100, taxCode: 'S25' },
      { lineType: 'Account', lineObjectNumber: '6300', description: 'Team lunch', quantity: 1, unitCost: 20, taxCode: 'RC25' },
    ]);
    expect(purchaseInvoice(entry({ invoice: undefined }), 'v', 't').vendorInvoiceNumber).toBe('0B7A3C1E2D4F4E6A8B9C0D1E2F3A4B5C');
  });

  it('marks a bill Pleo says was paid on the bill itself (Ship-to Name), and only such a bill', () => {
    const payment = { account: '1910', date: '2026-11-21', amount: { value: '125.00', currency: 'EUR' } };
    expect(purchaseInvoice(entry({ mode: 'accounts_payable', payment }), 'v', 't').shipToName).toBe(PAID_BY_PLEO);
    expect(purchaseInvoice(entry({ mode: 'accounts_payable' }), 'v', 't')).not.toHaveProperty('shipToName');
  });
});
