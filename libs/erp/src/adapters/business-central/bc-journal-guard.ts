import { OperationContext } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { keySegment } from './bc-odata';

/** A line of a general or vendor payment journal, as far as the guard reads it. */
interface WaitingLine {
  id: string;
  '@odata.etag'?: string;
  documentNumber?: string;
  externalDocumentNumber?: string;
  accountNumber?: string;
  vendorNumber?: string;
  amount?: number;
  description?: string;
}

const OUR_CODE = /^(?:[0-9A-F]{32}|H[0-9A-F]{32}|R[A-Z0-9_-]{1,33})$/;

/** A line this service wrote: our reference code as External Document No. and its marker (`[code]`, a payment's `[P:code]`) closing its description. */
export function isOurLine(line: WaitingLine, payment = false): boolean {
  const code = String(line.externalDocumentNumber ?? '');
  return OUR_CODE.test(code) && String(line.description ?? '').endsWith(payment ? `[P:${code}]` : `[${code}]`);
}

const describe = (l: WaitingLine) => `document ${l.documentNumber || '(none)'}, ${l.accountNumber ? `account ${l.accountNumber}` : `vendor ${l.vendorNumber ?? '(none)'}`}, ${l.amount}, "${l.description ?? ''}"`;

/** The journal a post is for: its path and lines' entity set (relative to the company), its code, and whether its lines are payments. */
export interface GuardedJournal {
  path: string;
  lines: 'journalLines' | 'vendorPayments';
  code: string;
  payments?: boolean;
}

export const generalJournal = (journalId: string, code: string): GuardedJournal => ({ path: keySegment('journals', journalId), lines: 'journalLines', code });
export const paymentJournal = (journalId: string, code: string): GuardedJournal => ({ path: keySegment('vendorPaymentJournals', journalId), lines: 'vendorPayments', code, payments: true });

/**
 * `Microsoft.NAV.post` posts EVERY line of the journal batch: right before it, the journal must hold
 * exactly the lines this post is for (`ours`). A line this service did not write (a bookkeeper's, or
 * one another integration left) is never posted by us: ErpError('configuration') naming it — the
 * caller takes its own lines out again. Lines an unfinished attempt of another entry left (ours by
 * their marker, not in this post) are removed: that entry's own retry writes and posts them. A line
 * of ours that is gone (another worker posted or removed it) stops the post as unknown.
 */
export async function clearJournalForPost(client: BcClient, journal: GuardedJournal, ours: Set<string>, ctx: OperationContext): Promise<void> {
  const journalCode = journal.code;
  const lines = await client.list<WaitingLine>(`${journal.path}/${journal.lines}`, `checking the journal ${journalCode} before posting`, ctx);
  const present = new Set(lines.map((l) => l.id));
  const gone = [...ours].filter((id) => !present.has(id)).length;
  if (gone) {
    throw new ErpError('unavailable', `${gone} journal line(s) written for this post are no longer in the journal ${journalCode} (another process posted or removed them); nothing was posted, and the entries will be looked up before they are tried again.`, { mayHaveApplied: true });
  }
  const others = lines.filter((l) => !ours.has(l.id));
  const foreign = others.filter((l) => !isOurLine(l, journal.payments));
  if (foreign.length) {
    const named = foreign.slice(0, 3).map(describe).join('; ');
    throw new ErpError(
      'configuration',
      `The Business Central journal ${journalCode} holds ${foreign.length} line(s) this service did not write (${named}${foreign.length > 3 ? '; …' : ''}). Posting the journal would post them too, so nothing was posted. Post or remove them in Business Central and keep the journal ${journalCode} for this service only (BC_JOURNAL_CODE), then retry.`,
    );
  }
  if (!others.length) return;
  const answers = await client.batch(
    others.map((l) => ({ method: 'DELETE' as const, path: `${journal.path}/${keySegment(journal.lines, l.id)}`, ifMatch: l['@odata.etag'] ?? '*', what: `removing a journal line of ${l.externalDocumentNumber} that an unfinished attempt left` })),
    `removing ${others.length} journal lines unfinished attempts left`,
    ctx,
  );
  const refused = answers.find((a) => !a.ok);
  if (refused && !refused.ok) {
    throw new ErpError('unavailable', `A journal line an unfinished attempt left could not be taken out before posting (${refused.error.message}); nothing was posted and it will be tried again.`, { mayHaveApplied: true, cause: refused.error });
  }
}
