import { randomUUID } from 'node:crypto';

const amount = (value: number, currency = 'EUR') => ({ inSupplierCurrency: { value, currency }, inWalletCurrency: { value, currency } });
const abroad = (eur: number, usd: number) => ({ inSupplierCurrency: { value: usd, currency: 'USD' }, inWalletCurrency: { value: eur, currency: 'EUR' } });

function line(gross: number, account: string, tax?: { rate: number; amount: number; code: string }) {
  return {
    accountingEntryLineId: randomUUID(),
    lineAmount: amount(gross),
    netAmount: amount(gross), // TaxTypeV3 inclusive: the net bill amount includes the tax
    account: { id: randomUUID(), name: `Account ${account}`, code: account },
    ...(tax && { tax: { id: randomUUID(), rate: tax.rate, type: 'inclusive', amount: amount(tax.amount), code: tax.code } }),
    tags: [{ id: randomUUID(), groupCode: 'DEPT', code: 'SALES' }],
  };
}

/**
 * Three expenses for the compose demo's export job: a card purchase with a receipt, an
 * out-of-pocket expense and a software subscription under EU reverse charge, paid in US dollars. Accounts and tax
 * codes are the sandbox ERP's.
 */
export function demoExportItems(companyId: string) {
  const base = (type: string, gross: number, note: string, supplier: string) => ({
    _links: {},
    accountingEntryId: randomUUID(),
    companyId,
    date: new Date().toISOString().slice(0, 10) + 'T09:30:00Z',
    type,
    amount: amount(gross),
    note,
    supplier: { name: supplier },
    user: { id: randomUUID(), name: 'Maja Hansen' },
    additionalInformation: { reconciliationId: `B-${Math.floor(Math.random() * 1e6)}` },
  });
  return [
    {
      ...base('card_purchase', 4500, 'Team lunch', 'Café Nord'),
      contraAccount: { id: randomUUID(), name: 'Pleo EUR', code: '1910' },
      files: [{ content: Buffer.from('%PDF-1.4 demo receipt').toString('base64'), type: 'application/pdf' }],
      accountingEntryLines: [line(4500, '7100', { rate: 0.25, amount: 900, code: 'S25' })],
    },
    { ...base('out_of_pocket', 2390, 'Taxi to the client', 'City Taxi'), accountingEntryLines: [line(2390, '7000', { rate: 0.25, amount: 478, code: 'S25' })] },
    {
      // Spent in US dollars from the EUR wallet: Pleo gives both amounts (an ERP with a second currency keeps the USD).
      ...base('card_purchase', 9900, 'Design tool, monthly', 'Figma Inc.'),
      amount: abroad(9900, 10800),
      contraAccount: { id: randomUUID(), name: 'Pleo EUR', code: '1910' },
      accountingEntryLines: [
        { ...line(9900, '6300'), lineAmount: abroad(9900, 10800), netAmount: abroad(9900, 10800), tax: { id: randomUUID(), rate: 0.25, type: 'reverse', amount: abroad(2475, 2700), code: 'RC25' } },
      ],
    },
  ];
}
