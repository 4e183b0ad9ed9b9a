import { OperationContext } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { BcClient } from './bc-client';
import { BcJournalLine } from './bc-entities';
import { keySegment } from './bc-odata';

/** A line this service wrote: our reference code as External Document No. and `[code]` closing its description. */
export function isOurLine(line: BcJournalLine): boolean {
  const code = String(line.externalDocumentNumber ?? '');
  return /^(?:[0-9A-F]{32}|H[0-9A-F]{32}|R[A-Z0-9_-]{1,33})$/.test(code) && String(line.description ?? '').endsWith(`[${code}]`);
}

const describe = (l: BcJournalLine) => `document ${l.documentNumber || '(none)'}, account ${l.accountNumber || '(none)'}, ${l.amount}, "${l.description ?? ''}"`;

/**
 * `Microsoft.NAV.post` posts EVERY line of the journal batch: right before it, the journal must hold
 * exactly the lines this post is for (`ours`). A line this service did not write (a bookkeeper's, or
 * one another integration left) is never posted by us: ErpError('configuration') naming it — the
 * caller takes its own lines out again. Lines an unfinished attempt of another entry left (ours by
 * their marker, not in this post) are removed: that entry's own retry writes and posts them. A line
 * of ours that is gone (another worker posted or removed it) stops the post as unknown.
 */
export async function clearJournalForPost(client: BcClient, journalId: string, journalCode: string, ours: Set<string>, ctx: OperationContext): Promise<void> {
  const journalPath = keySegment('journals', journalId);
  const lines = await client.list<BcJournalLine>(`${journalPath}/journalLines`, `checking the journal ${journalCode} before posting`, ctx);
  const present = new Set(lines.map((l) => l.id));
  const gone = [...ours].filter((id) => !present.has(id)).length;
  if (gone) {
    throw new ErpError('unavailable', `${gone} journal line(s) written for this post are no longer in the journal ${journalCode} (another process posted or removed them); nothing was posted, and the entries will be looked up before they are tried again.`, { mayHaveApplied: true });
  }
  const others = lines.filter((l) => !ours.has(l.id));
  const foreign = others.filter((l) => !isOurLine(l));
  if (foreign.length) {
    const named = foreign.slice(0, 3).map(describe).join('; ');
    throw new ErpError(
      'configuration',
      `The Business Central journal ${journalCode} holds ${foreign.length} line(s) this service did not write (${named}${foreign.length > 3 ? '; …' : ''}). Posting the journal would post them too, so nothing was posted. Post or remove them in Business Central and keep the journal ${journalCode} for this service only (BC_JOURNAL_CODE), then retry.`,
    );
  }
  if (!others.length) return;
  const answers = await client.batch(
    others.map((l) => ({ method: 'DELETE' as const, path: `${journalPath}/${keySegment('journalLines', l.id)}`, ifMatch: l['@odata.etag'] ?? '*', what: `removing a journal line of ${l.externalDocumentNumber} that an unfinished attempt left` })),
    `removing ${others.length} journal lines unfinished attempts left`,
    ctx,
  );
  const refused = answers.find((a) => !a.ok);
  if (refused && !refused.ok) {
    throw new ErpError('unavailable', `A journal line an unfinished attempt left could not be taken out before posting (${refused.error.message}); nothing was posted and it will be tried again.`, { mayHaveApplied: true, cause: refused.error });
  }
}
