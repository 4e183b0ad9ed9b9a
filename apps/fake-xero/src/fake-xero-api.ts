import { randomUUID } from 'node:crypto';
import { Doc, FakeXeroOrg, MAX_ATTACHMENTS_PER_DOCUMENT, MAX_ATTACHMENT_BYTES } from './fake-xero-org';
import { Outcome, createBankTransaction, createContact, createInvoice, createManualJournal, createPayment } from './fake-xero-documents';
import { HttpAnswer, validationException, xeroProblem } from './xero-answers';
import { XeroOperation } from './xero-spec-check';
import { whereFilter } from './xero-where';

type Create = (org: FakeXeroOrg, el: Doc) => Outcome;

/** The writes the fake implements: body key, id field, how one element is created. */
const WRITES: Record<string, { key: string; id: string; create: Create }> = {
  createContacts: { key: 'Contacts', id: 'ContactID', create: createContact },
  createBankTransactions: { key: 'BankTransactions', id: 'BankTransactionID', create: createBankTransaction },
  createInvoices: { key: 'Invoices', id: 'InvoiceID', create: createInvoice },
  createPayments: { key: 'Payments', id: 'PaymentID', create: createPayment },
  createManualJournals: { key: 'ManualJournals', id: 'ManualJournalID', create: createManualJournal },
};

/** Lists: body key and the documents. */
const LISTS: Record<string, { key: string; docs: (org: FakeXeroOrg) => Doc[] }> = {
  getContacts: { key: 'Contacts', docs: (o) => [...o.contacts.values()] },
  getBankTransactions: { key: 'BankTransactions', docs: (o) => [...o.bankTransactions.values()] },
  getInvoices: { key: 'Invoices', docs: (o) => [...o.invoices.values()] },
  getPayments: { key: 'Payments', docs: (o) => [...o.payments.values()] },
  getManualJournals: { key: 'ManualJournals', docs: (o) => [...o.manualJournals.values()] },
  getAccounts: { key: 'Accounts', docs: (o) => o.accounts as unknown as Doc[] },
};

const envelope = (key: string, items: unknown[]) => ({ Id: randomUUID(), Status: 'OK', ProviderName: 'pleo-erp-sync', DateTimeUTC: `/Date(${Date.now()})/`, [key]: items });
const notFound = () => xeroProblem(404, 'NotFound', "The resource you're looking for cannot be found");

/** One Xero API operation against an organisation (requests already checked against the spec). */
export function operate(org: FakeXeroOrg, op: XeroOperation, url: URL, body: unknown, contentType: string | undefined): HttpAnswer {
  const id = op.operationId;
  const write = WRITES[id];
  if (write) return batchWrite(org, write, body as Doc, url.searchParams.get('summarizeErrors') !== 'false');
  const list = LISTS[id];
  if (list) return listAnswer(list.key, list.docs(org), url);
  const p = op.params;
  switch (id) {
    case 'getContact':
      return one('Contacts', org.contacts.get(p.ContactID));
    case 'getContactByContactNumber':
      return one('Contacts', org.contact({ ContactNumber: p.ContactNumber }));
    case 'getBankTransaction':
      return one('BankTransactions', org.bankTransactions.get(p.BankTransactionID));
    case 'getInvoice':
      return one('Invoices', org.invoices.get(p.InvoiceID));
    case 'getManualJournal':
      return one('ManualJournals', org.manualJournals.get(p.ManualJournalID));
    case 'getTaxRates':
      return new HttpAnswer(200, envelope('TaxRates', org.taxRates));
    case 'getTrackingCategories':
      return new HttpAnswer(200, envelope('TrackingCategories', org.tracking));
    case 'getCurrencies':
      return new HttpAnswer(200, envelope('Currencies', [...org.currencies].map((Code) => ({ Code, Description: Code }))));
    case 'getOrganisations':
      return new HttpAnswer(200, envelope('Organisations', [{ OrganisationID: org.tenantId, Name: org.name, BaseCurrency: org.baseCurrency, PeriodLockDate: org.lockDate ?? undefined }]));
    case 'createBankTransactionAttachmentByFileName':
    case 'createInvoiceAttachmentByFileName':
    case 'createManualJournalAttachmentByFileName':
      return attach(org, Object.values(p)[0], p.FileName, body as Buffer, contentType);
    case 'getBankTransactionAttachments':
    case 'getInvoiceAttachments':
    case 'getManualJournalAttachments': {
      const docId = Object.values(p)[0];
      if (!org.document(docId)) return notFound();
      return new HttpAnswer(200, { Attachments: (org.attachments.get(docId) ?? []).map(({ content: _c, ...a }) => a) });
    }
    default:
      return xeroProblem(501, 'NotImplemented', `the fake Xero does not implement ${id}`);
  }
}

function one(key: string, doc: Doc | undefined): HttpAnswer {
  return doc ? new HttpAnswer(200, envelope(key, [doc])) : notFound();
}

function listAnswer(key: string, docs: Doc[], url: URL): HttpAnswer {
  const q = url.searchParams;
  let found = docs;
  const where = q.get('where');
  if (where) {
    const test = whereFilter(where);
    if (typeof test === 'string') return validationException([], test);
    found = found.filter(test);
  }
  const ids = q.get('IDs') ?? q.get('ContactIDs') ?? q.get('InvoiceIDs');
  if (ids) found = found.filter((d) => ids.split(',').includes(String(d[`${key.slice(0, -1)}ID`])));
  const numbers = q.get('InvoiceNumbers');
  if (numbers) found = found.filter((d) => numbers.split(',').includes(String(d.InvoiceNumber)));
  const statuses = q.get('Statuses');
  if (statuses) found = found.filter((d) => statuses.split(',').includes(String(d.Status)));
  const term = q.get('searchTerm')?.toLowerCase();
  if (term) found = found.filter((d) => [d.Name, d.ContactNumber, d.EmailAddress].some((v) => typeof v === 'string' && v.toLowerCase().includes(term)));
  if (key === 'Contacts' && q.get('includeArchived') !== 'true') found = found.filter((d) => d.ContactStatus !== 'ARCHIVED');
  const pageSize = Math.min(Number(q.get('pageSize') ?? 100) || 100, 1000);
  const page = Math.max(1, Number(q.get('page') ?? 1) || 1);
  const items = found.slice((page - 1) * pageSize, page * pageSize);
  return new HttpAnswer(200, { ...envelope(key, items), pagination: { page, pageSize, pageCount: Math.ceil(found.length / pageSize), itemCount: found.length } });
}

/**
 * A batch of elements. summarizeErrors (the default): all or nothing, a 400 ValidationException
 * listing the refused elements. summarizeErrors=false: 200, every element with its
 * StatusAttributeString (OK / ERROR) and ValidationErrors; the valid ones are created.
 */
function batchWrite(org: FakeXeroOrg, write: { key: string; id: string; create: Create }, body: Doc, summarize: boolean): HttpAnswer {
  const elements = (body[write.key] as Doc[] | undefined) ?? [];
  if (!elements.length) return validationException([], `No ${write.key} were given`);
  const snapshot = summarize ? org.snapshot() : undefined;
  const results = elements.map((el) => {
    const outcome = write.create(org, el);
    return 'ok' in outcome
      ? { ...outcome.ok, StatusAttributeString: 'OK' }
      : { ...el, StatusAttributeString: 'ERROR', HasValidationErrors: true, ValidationErrors: outcome.errors.map((Message) => ({ Message })) };
  });
  const refused = results.filter((r) => r.StatusAttributeString === 'ERROR');
  if (summarize && refused.length) {
    org.restore(snapshot!);
    return validationException(refused);
  }
  return new HttpAnswer(200, envelope(write.key, summarize ? results.map(({ StatusAttributeString: _s, ...r }) => r) : results));
}

function attach(org: FakeXeroOrg, docId: string, fileName: string, content: Buffer, contentType: string | undefined): HttpAnswer {
  const doc = org.document(docId);
  if (!doc) return notFound();
  if (!Buffer.isBuffer(content) || !content.length) return validationException([], 'The attachment has no content.');
  if (content.length > MAX_ATTACHMENT_BYTES) return validationException([], `The attachment is larger than ${MAX_ATTACHMENT_BYTES} bytes.`);
  const existing = org.attachments.get(docId) ?? [];
  const same = existing.findIndex((a) => a.FileName === fileName);
  if (same < 0 && existing.length >= MAX_ATTACHMENTS_PER_DOCUMENT) return validationException([], `A document can have at most ${MAX_ATTACHMENTS_PER_DOCUMENT} attachments.`);
  const attachment = { AttachmentID: randomUUID(), FileName: fileName, MimeType: contentType ?? 'application/octet-stream', ContentLength: content.length, content };
  // the same file name replaces the earlier file, as Xero does
  if (same >= 0) existing[same] = attachment;
  else existing.push(attachment);
  org.attachments.set(docId, existing);
  doc.HasAttachments = true;
  const { content: _c, ...shown } = attachment;
  return new HttpAnswer(200, { Attachments: [{ ...shown, Url: `https://api.xero.com/api.xro/2.0/${docId}/Attachments/${encodeURIComponent(fileName)}` }] });
}
