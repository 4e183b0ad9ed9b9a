import { PleoHttp } from './pleo-http';

export type PleoVendorState = 'DRAFT' | 'ACTIVE' | 'ARCHIVED';

/** `VendorResponse` (vendors-openapi.yml). */
export interface PleoVendor {
  id: string;
  companyId: string;
  name: string;
  defaultCurrency: string;
  state: PleoVendorState;
  country?: string | null;
  registrationNumber?: string | null;
  taxRegistrationNumber?: string | null;
  code?: string | null;
  externalId?: string | null;
  accountingSystem?: string | null;
}

export interface VendorSearchCriteria {
  ids?: string[];
  codes?: string[];
  externalIds?: string[];
  taxRegistrationNumbers?: string[];
  states?: PleoVendorState[];
  name?: string;
}

export interface CursorPage<T> {
  data: T[];
  pagination: { hasNextPage: boolean; endCursor?: string | null };
}

/** Pleo's Vendors API (pleo-api.md §4). */
export class PleoVendorsClient {
  constructor(private readonly http: PleoHttp) {}

  /** null when Pleo has no such vendor. */
  async getVendor(id: string): Promise<PleoVendor | null> {
    return (await this.http.getOrNull<{ data: PleoVendor }>(`v1/vendors/${encodeURIComponent(id)}`))?.data ?? null;
  }

  /** DRAFT → ACTIVE, acknowledging the vendor exists in the ERP (204). */
  async activateVendor(id: string, body: { externalId: string; code?: string }): Promise<void> {
    await this.http.request('POST', `v1/vendors/${encodeURIComponent(id)}:activate`, { body });
  }

  async searchVendors(companyId: string, criteria: VendorSearchCriteria, page: { limit?: number; after?: string } = {}) {
    const res = await this.http.request<CursorPage<PleoVendor>>('POST', 'v1/vendors:search', {
      query: { company_id: companyId, limit: page.limit, after: page.after },
      body: criteria,
    });
    return res ?? { data: [], pagination: { hasNextPage: false } };
  }
}
