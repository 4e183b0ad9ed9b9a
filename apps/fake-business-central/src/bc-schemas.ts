import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import account from '../schemas/account.schema.json';
import attachment from '../schemas/attachment.schema.json';
import bankAccount from '../schemas/bankAccount.schema.json';
import company from '../schemas/company.schema.json';
import companyInformation from '../schemas/companyInformation.schema.json';
import dimension from '../schemas/dimension.schema.json';
import dimensionSetLine from '../schemas/dimensionSetLine.schema.json';
import dimensionValue from '../schemas/dimensionValue.schema.json';
import documentAttachment from '../schemas/documentAttachment.schema.json';
import generalLedgerEntry from '../schemas/generalLedgerEntry.schema.json';
import journal from '../schemas/journal.schema.json';
import journalLine from '../schemas/journalLine.schema.json';
import purchaseInvoice from '../schemas/purchaseInvoice.schema.json';
import purchaseInvoiceLine from '../schemas/purchaseInvoiceLine.schema.json';
import taxGroup from '../schemas/taxGroup.schema.json';
import vendor from '../schemas/vendor.schema.json';
import vendorPayment from '../schemas/vendorPayment.schema.json';
import vendorPaymentJournal from '../schemas/vendorPaymentJournal.schema.json';

interface PropertySchema {
  type?: string;
  readOnly?: boolean;
  'x-navigation'?: boolean;
  items?: { $ref: string };
}
interface EntitySchema {
  $id: string;
  title: string;
  properties: Record<string, PropertySchema>;
}

const ALL = [account, attachment, bankAccount, company, companyInformation, dimension, dimensionSetLine, dimensionValue, documentAttachment, generalLedgerEntry, journal, journalLine, purchaseInvoice, purchaseInvoiceLine, taxGroup, vendor, vendorPayment, vendorPaymentJournal] as unknown as EntitySchema[];

export type EntityName =
  | 'account'
  | 'attachment'
  | 'bankAccount'
  | 'company'
  | 'companyInformation'
  | 'dimension'
  | 'dimensionSetLine'
  | 'dimensionValue'
  | 'documentAttachment'
  | 'generalLedgerEntry'
  | 'journal'
  | 'journalLine'
  | 'purchaseInvoice'
  | 'purchaseInvoiceLine'
  | 'taxGroup'
  | 'vendor'
  | 'vendorPayment'
  | 'vendorPaymentJournal';

/** A refused body: the first problem is BC's answer, all of them are recorded as violations. */
export interface BodyProblem {
  message: string;
  problems: string[];
}

/**
 * The hand-written JSON Schemas of the entities (apps/fake-business-central/schemas) and the
 * checks BC makes on a write body: unknown properties and read-only properties refused, types,
 * formats and lengths checked (ajv), navigation properties (deep insert) only on POST, each
 * nested item checked as if sent alone.
 */
export class BcSchemas {
  private readonly ajv = new Ajv({ allErrors: true, strict: true });
  private readonly byName = new Map<string, EntitySchema>();
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    addFormats(this.ajv, ['date', 'date-time', 'uuid']);
    this.ajv.addKeyword({ keyword: 'x-navigation', schemaType: 'boolean' });
    for (const schema of ALL) {
      this.ajv.addSchema(schema);
      this.byName.set(schema.title, schema);
    }
    for (const schema of ALL) this.validators.set(schema.title, this.ajv.getSchema(schema.$id)!);
  }

  schema(entity: EntityName): EntitySchema {
    return this.byName.get(entity)!;
  }

  /** Is every property of the entity read-only (an entity set the API only lets you read)? */
  readOnlyEntity(entity: EntityName): boolean {
    return Object.values(this.schema(entity).properties).every((p) => p.readOnly);
  }

  check(entity: EntityName, method: 'POST' | 'PATCH', body: unknown): BodyProblem | null {
    const problems = this.shallow(entity, method, body, '');
    if (!problems.length) {
      const validate = this.validators.get(entity)!;
      if (!validate(body)) problems.push(...(validate.errors ?? []).map((e) => describe(e)));
    }
    return problems.length ? { message: problems[0], problems } : null;
  }

  private shallow(entity: EntityName, method: 'POST' | 'PATCH', body: unknown, at: string): string[] {
    if (!body || typeof body !== 'object' || Array.isArray(body)) return [`${at || 'The request body'} must be a JSON object.`];
    const schema = this.schema(entity);
    const problems: string[] = [];
    for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
      if (key.startsWith('@odata.')) continue; // instance annotations (e.g. a copied @odata.etag) are ignored by OData
      const prop = schema.properties[key];
      if (!prop) {
        problems.push(`The property '${key}' does not exist on type 'Microsoft.NAV.${entity}'. Make sure to only use property names that are defined by the type.`);
      } else if (prop.readOnly) {
        problems.push(`Control '${key}' is read-only.${at ? ` (${at})` : ''}`);
      } else if (prop['x-navigation']) {
        if (method !== 'POST') problems.push(`The navigation property '${key}' can only be given when the ${entity} is created (deep insert).`);
        else if (!Array.isArray(value)) problems.push(`The navigation property '${key}' must be an array.`);
        else {
          const item = prop.items!.$ref.replace(/^.*\//, '') as EntityName;
          value.forEach((v, i) => problems.push(...this.shallow(item, 'POST', v, `${at}${key}[${i}]`)));
        }
      }
    }
    return problems;
  }
}

function describe(e: ErrorObject): string {
  const field = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || 'body';
  if (e.keyword === 'type') return `Cannot convert the value of '${field}' to the expected type (${String(e.params.type)}).`;
  if (e.keyword === 'format') return `Cannot convert the literal of '${field}' to the expected type (${String(e.params.format)}).`;
  if (e.keyword === 'maxLength') return `The length of the value of '${field}' is more than ${String(e.params.limit)} characters.`;
  if (e.keyword === 'enum') return `The value of '${field}' is not one of: ${(e.params.allowedValues as string[]).join(', ')}.`;
  return `${field}: ${e.message ?? e.keyword}`;
}
