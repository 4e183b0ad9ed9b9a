import { ErpError } from '../../erp-errors';
import { ErpVendor, VendorInput, VendorQuery } from '../../erp-adapter.port';
import { TrytonRpcClient } from './tryton-rpc.client';
import { literal } from './tryton-wire';

type Party = { id: number; code: string; name: string; identifiers: number[] };
type Identifier = { id: number; type: string | null; code: string };

/** Our reference (the Pleo vendor id) is a party identifier without a type: it survives edits. */
const REFERENCE_PREFIX = 'pleo:';
const EU_VAT_PREFIXES = new Set('AT BE BG CY CZ DE DK EE EL ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK XI'.split(' '));
const NAME_MAX = 250;

/** VAT numbers as Tryton stores them: no spaces, dots or dashes, upper case. */
export const compactTaxNumber = (value: string) => value.replace(/[\s.\-/]/g, '').toUpperCase();

/** Vendors are `party.party` records; Tryton numbers them itself (its party sequence gives `code`). */
export class TrytonVendors {
  constructor(private readonly rpc: TrytonRpcClient) {}

  async find(query: VendorQuery, ctx: object, signal?: AbortSignal): Promise<ErpVendor | null> {
    const attempts: unknown[][] = [];
    if (query.id && /^\d+$/.test(query.id)) attempts.push([['id', '=', Number(query.id)]]);
    if (query.code) attempts.push([['code', '=', query.code]]);
    if (query.reference) attempts.push([['identifiers.code', '=', `${REFERENCE_PREFIX}${query.reference}`]]);
    if (query.taxNumber) attempts.push([['identifiers.code', '=', compactTaxNumber(query.taxNumber)]]);
    if (query.name?.trim()) attempts.push([['name', 'ilike', literal(query.name.trim())]]);
    for (const domain of attempts) {
      const [id] = await this.rpc.call<number[]>('model.party.party.search', [domain, 0, 1, [['id', 'ASC']], ctx], signal);
      if (id) return this.read(id, ctx, signal);
    }
    return null;
  }

  async create(input: VendorInput, ctx: object, signal?: AbortSignal): Promise<ErpVendor> {
    const name = input.name.trim();
    if (!name) throw new ErpError('validation', 'The vendor has no name; Tryton needs one. Give it a name in Pleo.');
    if (name.length > NAME_MAX) throw new ErpError('validation', `The vendor name is ${name.length} characters long; keep it under ${NAME_MAX}.`);
    if (!/^[A-Z]{3}$/.test(input.currency)) throw new ErpError('validation', `"${input.currency}" is not a currency code (ISO 4217, e.g. EUR).`);
    if (await this.find({ reference: input.reference }, ctx, signal)) {
      throw new ErpError('conflict', `Tryton already holds a party for the Pleo vendor ${input.reference}.`);
    }
    const identifiers: { type: string | null; code: string }[] = [{ type: null, code: `${REFERENCE_PREFIX}${input.reference}` }];
    if (input.taxNumber?.trim()) {
      const code = compactTaxNumber(input.taxNumber);
      // Tryton checks EU VAT numbers (check digits); other tax numbers are kept as given.
      identifiers.push({ type: EU_VAT_PREFIXES.has(code.slice(0, 2)) ? 'eu_vat' : null, code });
    }
    const address: Record<string, unknown> = {};
    if (input.country) {
      const [country] = await this.rpc.call<number[]>('model.country.country.search', [[['code', '=', input.country.toUpperCase()]], 0, 1, null, ctx], signal);
      if (country) address.country = country;
    }
    const [id] = await this.rpc.call<number[]>(
      'model.party.party.create',
      [[{ name, identifiers: [['create', identifiers]], addresses: [['create', [address]]] }], ctx],
      signal,
    );
    const created = await this.read(id, ctx, signal);
    if (!created) throw new ErpError('unavailable', `Tryton created party ${id} but cannot read it back; retrying.`, { mayHaveApplied: true });
    return created;
  }

  private async read(id: number, ctx: object, signal?: AbortSignal): Promise<ErpVendor | null> {
    const [party] = await this.rpc.call<Party[]>('model.party.party.read', [[id], ['code', 'name', 'identifiers'], ctx], signal);
    if (!party) return null;
    const identifiers = party.identifiers.length
      ? await this.rpc.call<Identifier[]>('model.party.identifier.read', [party.identifiers, ['type', 'code'], ctx], signal)
      : [];
    const reference = identifiers.find((i) => !i.type && i.code.startsWith(REFERENCE_PREFIX));
    const tax = identifiers.find((i) => i.type === 'eu_vat') ?? identifiers.find((i) => i !== reference);
    return {
      id: String(party.id),
      code: party.code,
      name: party.name,
      reference: reference ? reference.code.slice(REFERENCE_PREFIX.length) : null,
      taxNumber: tax?.code ?? null,
    };
  }
}
