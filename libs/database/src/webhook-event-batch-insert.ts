import { Pool, PoolClient } from 'pg';
import { WebhookEventStatus } from './generated/prisma/client';
import type { NewWebhookEvent, StoredEventRef } from './webhook-event.repository';

/**
 * Group commit (issue #14): inserts many events in one statement and one transaction, so one WAL
 * flush covers them all and either every new row of the batch is stored or none is. The explicit
 * BEGIN/COMMIT matters when the connection is cut mid-statement: PostgreSQL does not notice a
 * vanished client while the statement runs (or waits for a lock), and an autocommit INSERT would
 * then commit rows whose senders were told 503; here it waits for a COMMIT that never comes and
 * rolls back.
 *
 * Returns one stored row per input, in input order; an input whose webhook-id already existed (or
 * repeats an earlier input) comes back as that row with `created: false`. One bad row fails the
 * whole statement: the caller retries the rows one by one (`insertOnce`).
 */
export async function insertWebhookEvents(pool: Pool, events: readonly NewWebhookEvent[]): Promise<StoredEventRef[]> {
  // The batch goes as one JSON array (payloads inline, serialised once): no text[] per column,
  // whose element escaping (every quote of every payload) was the pg driver's largest cost here.
  const rows = events.map((e) => ({ w: e.webhookId, e: e.eventId, t: e.eventType, c: e.companyId, s: e.subjectId, p: e.payload, st: e.status }));
  const query = {
    name: 'webhook_events_insert_json',
    text: `INSERT INTO webhook_events (webhook_id, event_id, event_type, company_id, subject_id, payload, status)
           SELECT r->>'w', r->>'e', r->>'t', r->>'c', r->>'s', r->'p', (r->>'st')::"WebhookEventStatus"
           FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS input(r, n)
           ORDER BY n
           ON CONFLICT (webhook_id) DO NOTHING
           RETURNING id, status, webhook_id AS "webhookId"`,
    values: [JSON.stringify(rows)],
  };
  type Inserted = { id: string; status: WebhookEventStatus; webhookId: string };
  // One row needs no BEGIN/COMMIT round trips (a lone webhook pays one, as before the batching):
  // cut mid-statement it is at worst stored and answered 503, and its retry gets 200.
  const { rows: inserted } =
    events.length === 1
      ? await pool.query<Inserted>(query)
      : await inTransaction(pool, (client) => client.query<Inserted>(query));
  const created = new Map(inserted.map((r) => [r.webhookId, r]));
  const missing = events.filter((e) => !created.has(e.webhookId)).map((e) => e.webhookId);
  // Redeliveries (rare): the rows that won, read after the insert so concurrent winners are seen.
  const existing = new Map<string, { id: string; status: WebhookEventStatus; eventType: string }>();
  if (missing.length) {
    const found = await pool.query<{ id: string; status: WebhookEventStatus; eventType: string; webhookId: string }>({
      name: 'webhook_events_by_webhook_ids',
      text: 'SELECT id, status, event_type AS "eventType", webhook_id AS "webhookId" FROM webhook_events WHERE webhook_id = ANY($1::text[])',
      values: [missing],
    });
    for (const r of found.rows) existing.set(r.webhookId, r);
  }
  // Within the batch the first input with a webhook-id is the one inserted; later ones repeat it.
  const firstType = new Map<string, string>();
  for (const e of events) if (!firstType.has(e.webhookId)) firstType.set(e.webhookId, e.eventType);
  const claimed = new Set<string>();
  return events.map((e) => {
    const row = created.get(e.webhookId);
    if (row && !claimed.has(e.webhookId)) {
      claimed.add(e.webhookId);
      return { id: row.id, status: row.status, eventType: e.eventType, created: true };
    }
    const stored = row ? { ...row, eventType: firstType.get(e.webhookId)! } : existing.get(e.webhookId);
    if (!stored) throw new Error(`webhook ${e.webhookId} was neither inserted nor found`);
    return { id: stored.id, status: stored.status, eventType: stored.eventType, created: false };
  });
}

async function inTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  // A checked-out pg client has no 'error' listener: a cut connection would crash the process.
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    // A connection that cannot even roll back is dropped from the pool, not handed out again.
    await client.query('ROLLBACK').catch((rollbackErr: Error) => (broken = rollbackErr));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}


/** QUEUED → RECEIVED for the rows of a batch whose enqueue failed, in one statement. */
export async function markWebhookEventsReceived(pool: Pool, ids: readonly string[]): Promise<void> {
  await pool.query({
    name: 'webhook_events_mark_received_many',
    text: `UPDATE webhook_events SET status = 'RECEIVED', updated_at = now() WHERE id = ANY($1::uuid[]) AND status = 'QUEUED'`,
    values: [ids],
  });
}
