import { PleoHttp } from './pleo-http';
import { CursorPage } from './pleo-vendors.client';
import {
  ExportItem,
  ExportItemUpdate,
  ExportItemUpdateError,
  ExportJob,
  ExportJobEventType,
  ExportJobFailureReasonType,
  ExportJobItem,
  ExportJobStatus,
} from './pleo-export.types';

export const MAX_ITEM_UPDATES_PER_CALL = 100;

/** Pleo's Export API v3 (pleo-api.md §3). Lists are read page by page (async iterators). */
export class PleoExportClient {
  constructor(
    private readonly http: PleoHttp,
    private readonly pageSize = 100,
  ) {}

  /** Without a company: every company the credentials can see (an API key sees its own). */
  async *listJobs(companyId: string | undefined, statuses: ExportJobStatus[]): AsyncGenerator<ExportJob> {
    yield* this.pages<ExportJob>('v3/export-jobs', { ...(companyId && { company_id: companyId }), statuses });
  }

  /** null when Pleo does not know the job. */
  async getJob(jobId: string): Promise<ExportJob | null> {
    return (await this.http.getOrNull<{ data: ExportJob }>(`v3/export-jobs/${encodeURIComponent(jobId)}`))?.data ?? null;
  }

  async sendJobEvent(event: {
    jobId: string;
    event: ExportJobEventType;
    failureReason?: string;
    failureReasonType?: ExportJobFailureReasonType;
  }): Promise<void> {
    await this.http.request('POST', 'v3/export-job-events', { body: event });
  }

  /** The control layer: each item's status in the job. */
  async *jobItems(jobId: string): AsyncGenerator<ExportJobItem> {
    yield* this.pages<ExportJobItem>(`v3/export-jobs/${encodeURIComponent(jobId)}/items`, {});
  }

  /** The data layer: the accounting payload of each item, a page at a time. */
  exportItemPages(jobId: string): AsyncGenerator<ExportItem[]> {
    return this.pageArrays<ExportItem>('v3/export-items', { job_id: jobId });
  }

  /** At most 100 per call (Pleo answers 413 above); Pleo may accept some and refuse others. */
  async updateItems(jobId: string, updates: ExportItemUpdate[]): Promise<{ errors: ExportItemUpdateError[] }> {
    if (updates.length > MAX_ITEM_UPDATES_PER_CALL) throw new Error(`at most ${MAX_ITEM_UPDATES_PER_CALL} item updates per call`);
    const res = await this.http.request<{ errors?: ExportItemUpdateError[] }>('PUT', `v3/export-jobs/${encodeURIComponent(jobId)}/items`, { body: updates });
    return { errors: res?.errors ?? [] };
  }

  private async *pages<T>(path: string, query: Record<string, string | string[]>): AsyncGenerator<T> {
    for await (const page of this.pageArrays<T>(path, query)) yield* page;
  }

  /**
   * Follows Pleo's cursor (`after` = the last page's endCursor) while `hasNextPage`; a cursor that
   * comes back unchanged ends the walk instead of looping forever.
   */
  private async *pageArrays<T>(path: string, query: Record<string, string | string[]>): AsyncGenerator<T[]> {
    let after: string | undefined;
    for (;;) {
      const res = await this.http.request<CursorPage<T>>('GET', path, { query: { ...query, limit: this.pageSize, after } });
      if (res?.data.length) yield res.data;
      const next = res?.pagination.endCursor;
      if (!res?.pagination.hasNextPage || !next) return;
      if (next === after) throw new Error(`Pleo API GET ${path}: the page cursor did not advance (${next}); stopped instead of reading the same page again`);
      after = next;
    }
  }
}
