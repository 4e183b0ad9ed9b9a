import OpenAPIBackend from 'openapi-backend';
import type { Document } from 'openapi-backend';
import addFormats from 'ajv-formats';
import { loadPatchedXeroSpec } from './xero-spec';

export interface XeroOperation {
  operationId: string;
  template: string;
  params: Record<string, string>;
}

export interface CheckedRequest {
  method: string;
  path: string;
  query: Record<string, string | string[]>;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Every request checked against Xero's spec (with our overlay) by openapi-backend in quick mode
 * (the strict mode rejects Xero's document). The spec has pairs of paths that differ only in the
 * parameter's name (`/Contacts/{ContactID}` vs `/Contacts/{ContactNumber}`, `…/Attachments/{AttachmentID}`
 * vs `…/{FileName}`); like Xero, a GUID selects the `…ID` one.
 */
export class XeroSpecCheck {
  private readonly api: OpenAPIBackend;
  private readonly routes: { template: string; regex: RegExp; names: string[]; ops: Record<string, string> }[];

  constructor(doc: Record<string, unknown> = loadPatchedXeroSpec()) {
    this.api = new OpenAPIBackend({
      definition: doc as unknown as Document,
      quick: true,
      validate: true,
      customizeAjv: (ajv) => {
        addFormats(ajv);
        for (const f of ['double', 'float', 'int32', 'int64', 'byte', 'binary']) ajv.addFormat(f, true);
        return ajv;
      },
    });
    this.routes = Object.entries(doc.paths as Record<string, Record<string, { operationId?: string }>>).map(([template, item]) => {
      const names: string[] = [];
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, name: string) => (names.push(name), '([^/]+)'));
      const ops = Object.fromEntries(Object.entries(item).flatMap(([m, op]) => (op?.operationId ? [[m.toUpperCase(), op.operationId]] : [])));
      return { template, regex: new RegExp(`^${pattern}$`), names, ops };
    });
  }

  async init(): Promise<void> {
    await this.api.init();
  }

  match(method: string, pathname: string): XeroOperation | null {
    const found: XeroOperation[] = [];
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      const operationId = m && route.ops[method.toUpperCase()];
      if (!m || !operationId) continue;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
      found.push({ operationId, template: route.template, params });
    }
    if (found.length <= 1) return found[0] ?? null;
    // ambiguous: a literal segment beats a parameter, then a GUID picks the "…ID" parameter
    const literal = found.filter((op) => !/\{[^}]+\}$/.test(op.template));
    if (literal.length) return literal[0];
    return (
      found.find((op) => {
        const last = /\{([^}]+)\}$/.exec(op.template)?.[1] ?? '';
        return /ID$/.test(last) === UUID.test(op.params[last] ?? '');
      }) ?? found[0]
    );
  }

  /** Problems with the request; [] when the spec allows it. */
  validate(op: XeroOperation, req: CheckedRequest): string[] {
    const result = this.api.validateRequest({ method: req.method.toLowerCase(), path: req.path, query: req.query, headers: lowerCase(req.headers), body: req.body }, op.operationId);
    return result.valid ? [] : (result.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`);
  }
}

function lowerCase(headers: CheckedRequest['headers']): Record<string, string | string[]> {
  return Object.fromEntries(Object.entries(headers).flatMap(([k, v]) => (v === undefined ? [] : [[k.toLowerCase(), v]])));
}
