import { randomUUID } from 'node:crypto';
import { ExpenseEntry } from '@app/erp';

export const eur = (value: string) => ({ value, currency: 'EUR' });

/** A posted journal-mode entry: 125.00 paid from the wallet (1910), 100.00 meals (7100) + 25 % VAT (S25). */
export const journalEntry = (over: Partial<ExpenseEntry> = {}): ExpenseEntry => ({
  reference: randomUUID(),
  mode: 'journal',
  state: 'posted',
  date: '2026-11-20',
  description: 'Team lunch',
  total: eur('125.00'),
  contraAccount: '1910',
  lines: [{ account: '7100', net: eur('100.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('25.00') } }],
  ...over,
});

/** The same for the Business Central tests: with its own book id, the line tagged DEPT=SALES and PROJ=P-7. */
export const bcJournalEntry = (over: Partial<ExpenseEntry> = {}): ExpenseEntry =>
  journalEntry({
    externalReference: `R-${randomUUID().slice(0, 8).toUpperCase()}`,
    lines: [{ account: '7100', net: eur('100.00'), tax: { code: 'S25', mode: 'inclusive', amount: eur('25.00') }, dimensions: [{ group: 'dept', value: 'sales' }, { group: 'proj', value: 'p-7' }] }],
    ...over,
  });
