import { randomUUID } from 'node:crypto';

/** The sandbox chart's counter and AP accounts for a worker's EXPORT_* settings. */
export const EXPORT_ACCOUNTS = { EXPORT_WALLET_ACCOUNT: '1910', EXPORT_OUT_OF_POCKET_ACCOUNT: '2890', EXPORT_CONTRA_ACCOUNT: '2990', EXPORT_AP_ACCOUNT: '2400' };

const amount = (value: number, currency: string) => ({ inSupplierCurrency: { value, currency }, inWalletCurrency: { value, currency } });

export interface ItemSpec {
  companyId: string;
  /** minor units, tax-inclusive */
  gross?: number;
  currency?: string;
  account?: string | null;
  tax?: { rate: number; amount: number; code: string | null; type?: 'inclusive' | 'exclusive' | 'reverse' } | null;
  type?: string;
  bookkeeping?: 'journal' | 'accounts_payable' | 'none' | null;
  vendor?: { id: string; name: string; defaultCurrency: string; code?: string; externalId?: string } | null;
  contraAccount?: string | null;
  files?: { content: string; type: string; size?: number }[];
  accountingEntryId?: string;
  /** the line's Pleo tags (default DEPT/SALES) */
  tags?: { groupCode: string; code: string }[];
}

/** An ExportItemV3 as Pleo's export-openapi.yml describes it. */
export function exportItem(spec: ItemSpec): Record<string, unknown> {
  const currency = spec.currency ?? 'EUR';
  const gross = spec.gross ?? 12500;
  const tax = spec.tax === undefined ? { rate: 0.25, amount: Math.round(gross / 5), code: 'S25' } : spec.tax;
  const id = spec.accountingEntryId ?? randomUUID();
  return {
    _links: { web: { exportItem: `https://app.pleo.io/export/${id}` }, api: { exportItem: `https://external.pleo.io/v3/export-items/${id}` } },
    accountingEntryId: id,
    companyId: spec.companyId,
    date: '2026-11-20T10:15:00Z',
    type: spec.type ?? 'card_purchase',
    amount: amount(gross, currency),
    note: 'Team lunch',
    supplier: { name: 'Café Nord', categoryCode: '5812' },
    user: { id: randomUUID(), name: 'Maja Hansen' },
    ...(spec.contraAccount !== null && { contraAccount: { id: randomUUID(), name: 'Pleo EUR', code: spec.contraAccount ?? '1910' } }),
    ...(spec.bookkeeping && { bookkeeping: { method: spec.bookkeeping } }),
    ...(spec.vendor && { vendor: spec.vendor }),
    ...(spec.files && { files: spec.files }),
    additionalInformation: { reconciliationId: `B-${id.slice(0, 8)}` },
    accountingEntryLines: [
      {
        accountingEntryLineId: randomUUID(),
        lineAmount: amount(gross, currency),
        // TaxTypeV3: netAmount includes the tax for inclusive (and reverse), excludes it for exclusive
        netAmount: amount(tax?.type === 'exclusive' ? gross - tax.amount : gross, currency),
        ...(spec.account !== null && { account: { id: randomUUID(), name: 'Meals', code: spec.account ?? '7100' } }),
        ...(tax && { tax: { id: randomUUID(), rate: tax.rate, type: tax.type ?? 'inclusive', amount: amount(tax.amount, currency), code: tax.code } }),
        tags: (spec.tags ?? [{ groupCode: 'DEPT', code: 'SALES' }]).map((t) => ({ id: randomUUID(), ...t })),
      },
    ],
  };
}

/** The export-job-created webhook body for a job. */
export function exportJobWebhook(job: { id: string; companyId: string }): string {
  return JSON.stringify({
    data: { id: job.id, companyId: job.companyId, createdAt: '2026-11-20T10:20:00Z', expiresIn: 3600, numberOfItems: 1, status: 'pending' },
    eventType: 'v1.export-job.created',
    eventId: randomUUID(),
  });
}
