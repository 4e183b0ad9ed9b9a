import type { components } from './generated/xero-api';
import { ErpVendor, OperationContext, VendorInput, VendorQuery } from '../../erp-adapter.port';
import { ErpError } from '../../erp-errors';
import { XeroClient, idempotencyKey } from './xero-client';
import { elementError, validationMessages } from './xero-errors';

type Contact = components['schemas']['Contact'];

/** A string inside a Xero `where` filter (double quotes and backslashes escaped). */
export const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const toVendor = (c: Contact): ErpVendor => ({
  id: c.ContactID!,
  code: c.ContactNumber ?? c.ContactID!,
  name: c.Name ?? '',
  reference: c.ContactNumber ?? null,
  taxNumber: c.TaxNumber ?? null,
});

/**
 * Pleo vendors as Xero contacts: `ContactNumber` holds the Pleo vendor id (Xero sets it only
 * through the API, for an external id), so it is both our reference and the code Pleo shows.
 * Contact names are unique among active contacts in Xero: a same-name contact with another tax
 * number is a conflict a person must resolve, never merged silently.
 */
export class XeroContacts {
  private cardSpendId?: string;

  constructor(private readonly client: XeroClient) {}

  /** Xero's spend money needs a contact; card spend without a Pleo vendor books against this one. */
  async cardSpendContact(ctx: OperationContext): Promise<string> {
    this.cardSpendId ??= (
      (await this.where(`ContactNumber==${quoted(CARD_SPEND.reference)}`, ctx)) ?? (await this.create({ ...CARD_SPEND, currency: '' }, ctx))
    ).id;
    return this.cardSpendId;
  }

  async find(query: VendorQuery, ctx: OperationContext): Promise<ErpVendor | null> {
    if (query.id) {
      const byId = await this.byId(query.id, ctx);
      if (byId) return byId;
    }
    for (const number of new Set([query.code, query.reference].filter((n): n is string => !!n))) {
      const found = await this.where(`ContactNumber==${quoted(number)}`, ctx);
      if (found) return found;
    }
    // a contact without ContactNumber shows its ContactID as its code
    if (query.code && query.code !== query.id) {
      const byCode = await this.byId(query.code, ctx);
      if (byCode) return byCode;
    }
    if (query.taxNumber) {
      const found = await this.where(`TaxNumber==${quoted(query.taxNumber)}`, ctx);
      if (found) return found;
    }
    if (query.name) {
      const found = await this.where(`Name==${quoted(query.name)}`, ctx);
      if (found && query.taxNumber && found.taxNumber && normalise(found.taxNumber) !== normalise(query.taxNumber)) {
        throw new ErpError(
          'conflict',
          `Xero already has a contact named "${found.name}" with tax number ${found.taxNumber}, but the Pleo vendor has tax number ${query.taxNumber}. ` +
            'Xero contact names must be unique: rename one of them, or correct the tax number, then retry.',
        );
      }
      if (found) return found;
    }
    return null;
  }

  async create(input: VendorInput, ctx: OperationContext): Promise<ErpVendor> {
    const contact: Contact = {
      Name: input.name.trim(),
      ContactNumber: input.reference,
      ...(input.taxNumber && { TaxNumber: input.taxNumber }),
      ...(input.currency && { DefaultCurrency: input.currency as Contact['DefaultCurrency'] }),
      ...(input.country && { Addresses: [{ AddressType: 'POBOX', Country: input.country }] }),
    };
    const what = `creating the contact "${contact.Name}"`;
    const body = { Contacts: [contact] };
    const answer = await this.client.write(what, ctx, idempotencyKey('contact', input.reference, body), (init) =>
      this.client.api.PUT('/Contacts', { params: { header: init.header, query: { summarizeErrors: false } }, headers: init.headers, signal: init.signal, body }),
    );
    const created = answer.Contacts?.[0];
    if (!created) throw new ErpError('unavailable', `Xero gave no contact back when ${what}.`, { mayHaveApplied: true });
    if (created.StatusAttributeString === 'ERROR' || created.ValidationErrors?.length) {
      throw elementError(validationMessages({ Elements: [created] }), what);
    }
    return toVendor(created);
  }

  /** Active contacts by ContactID (`IDs`, 50 to a call); ids that are not ContactIDs are skipped. */
  async byIds(ids: string[], ctx: OperationContext): Promise<Map<string, ErpVendor>> {
    const wanted = [...new Set(ids)].filter((id) => UUID.test(id));
    const found = new Map<string, ErpVendor>();
    for (let i = 0; i < wanted.length; i += 50) {
      const chunk = wanted.slice(i, i + 50);
      const answer = await this.client.get(`reading ${chunk.length} contacts`, ctx, (init) =>
        this.client.api.GET('/Contacts', {
          params: { header: init.header, query: { IDs: chunk, page: 1 } },
          querySerializer: { array: { style: 'form', explode: false } },
          headers: init.headers,
          signal: init.signal,
        }),
      );
      for (const c of answer.Contacts ?? []) if (c.ContactID && c.ContactStatus !== 'ARCHIVED') found.set(c.ContactID, toVendor(c));
    }
    return found;
  }

  private async byId(id: string, ctx: OperationContext): Promise<ErpVendor | null> {
    if (!UUID.test(id)) return null; // not a ContactID
    try {
      const answer = await this.client.get(`reading contact ${id}`, ctx, (init) =>
        this.client.api.GET('/Contacts/{ContactID}', { params: { header: init.header, path: { ContactID: id } }, headers: init.headers, signal: init.signal }),
      );
      const c = answer.Contacts?.[0];
      return c && c.ContactStatus !== 'ARCHIVED' ? toVendor(c) : null;
    } catch (err) {
      if (err instanceof ErpError && err.kind === 'unknown_reference') return null;
      throw err;
    }
  }

  private async where(where: string, ctx: OperationContext): Promise<ErpVendor | null> {
    const answer = await this.client.get(`looking up contacts (${where})`, ctx, (init) =>
      this.client.api.GET('/Contacts', { params: { header: init.header, query: { where, page: 1 } }, headers: init.headers, signal: init.signal }),
    );
    const active = (answer.Contacts ?? []).filter((c) => c.ContactStatus !== 'ARCHIVED');
    return active[0] ? toVendor(active[0]) : null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CARD_SPEND = { reference: 'pleo-card-spend', name: 'Pleo card spend (no supplier)' };
const normalise = (taxNumber: string) => taxNumber.replace(/[\s.-]/g, '').toUpperCase();
