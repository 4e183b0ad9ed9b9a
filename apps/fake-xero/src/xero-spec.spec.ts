import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { XeroSpecCheck } from './xero-spec-check';
import { loadPatchedXeroSpec, xeroSpecsDir } from './xero-spec';

describe("Xero's spec and our overlay", () => {
  it('keeps the published file byte for byte (git blob of XeroAPI/Xero-OpenAPI@e952d0b)', () => {
    const bytes = readFileSync(path.join(xeroSpecsDir(), 'xero_accounting.yaml'));
    const blob = createHash('sha1').update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes])).digest('hex');
    expect(blob).toBe('f9759e979b4ea6b33cb306db00ebbf7fe79bdc03');
  });

  it('closes the request schemas we send and checks headers, required fields and raw attachments', async () => {
    const doc = loadPatchedXeroSpec();
    expect((doc.components as { schemas: Record<string, { additionalProperties?: boolean }> }).schemas.BankTransaction.additionalProperties).toBe(false);
    const check = new XeroSpecCheck(doc);
    await check.init();
    const headers = { 'xero-tenant-id': 't', 'content-type': 'application/json' };
    const op = check.match('PUT', '/BankTransactions')!;
    const line = { Description: 'Taxi', UnitAmount: 10, AccountCode: '493' };
    expect(check.validate(op, { method: 'PUT', path: '/BankTransactions', query: {}, headers, body: { BankTransactions: [{ Type: 'SPEND', BankAccount: { Code: '090' }, LineItems: [line] }] } })).toEqual([]);
    expect(check.validate(op, { method: 'PUT', path: '/BankTransactions', query: {}, headers, body: { BankTransactions: [{ Type: 'SPEND', BankAccount: { Code: '090' }, LineItems: [{ ...line, Referense: 'x' }] }] } })).toEqual([expect.stringContaining('(Referense)')]);
    expect(check.validate(op, { method: 'PUT', path: '/BankTransactions', query: {}, headers: {}, body: { BankTransactions: [{ Type: 'SPEND', BankAccount: { Code: '090' } }] } }).join()).toMatch(/LineItems|xero-tenant-id/);
    // a GUID picks {ContactID}, anything else {ContactNumber}; a file name picks the upload by name
    expect(check.match('GET', '/Contacts/0a9b6a8c-3d1e-4e5f-8a7b-1c2d3e4f5a6b')?.operationId).toBe('getContact');
    expect(check.match('GET', '/Contacts/pleo-1')?.operationId).toBe('getContactByContactNumber');
    const upload = check.match('PUT', '/Invoices/0a9b6a8c-3d1e-4e5f-8a7b-1c2d3e4f5a6b/Attachments/receipt.pdf')!;
    expect(upload.operationId).toBe('createInvoiceAttachmentByFileName');
    expect(check.validate(upload, { method: 'PUT', path: '/Invoices/0a9b6a8c-3d1e-4e5f-8a7b-1c2d3e4f5a6b/Attachments/receipt.pdf', query: {}, headers: { ...headers, 'content-type': 'application/pdf' }, body: '%PDF' })).toEqual([]);
  }, 60_000);
});
