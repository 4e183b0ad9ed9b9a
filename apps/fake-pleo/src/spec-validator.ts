import { readFileSync } from 'node:fs';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import YAML from 'yaml';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Record<string, unknown> }> };
  responses?: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
}

export interface MatchedOperation {
  operationId: string;
  template: string;
  pathParams: Record<string, string>;
  operation: Operation;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * Checks requests (and the fake's own responses) against one of Pleo's published OpenAPI files,
 * unmodified. OpenAPI 3.0 schemas are JSON Schema with extras: `nullable` is understood by Ajv,
 * descriptive keywords are ignored, int32/int64 are number formats.
 */
export class OpenApiSpec {
  private readonly ajv: Ajv;
  private readonly routes: { template: string; regex: RegExp; names: string[]; ops: Record<string, Operation> }[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: { paths: Record<string, Record<string, Operation>> }) {
    this.ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, coerceTypes: false });
    addFormats(this.ajv);
    this.ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) < 2 ** 31 });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isInteger(n) });
    this.ajv.addSchema(withoutPlaceholderPatterns(doc) as object, 'spec');
    this.routes = Object.entries(doc.paths).map(([template, ops]) => {
      const names: string[] = [];
      // A path parameter never spans '/' or ':' (Pleo uses `/v1/vendors/{id}:activate`).
      const pattern = template
        .split(/(\{[^}]+\})/)
        .map((part) => {
          const m = /^\{(.+)\}$/.exec(part);
          if (m) {
            names.push(m[1]);
            return '([^/:]+)';
          }
          return part.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
        })
        .join('');
      return { template, regex: new RegExp(`^${pattern}$`), names, ops };
    });
  }

  static load(file: string): OpenApiSpec {
    return new OpenApiSpec(YAML.parse(readFileSync(file, 'utf8')));
  }

  match(method: string, pathname: string): MatchedOperation | null {
    for (const route of this.routes) {
      const m = route.regex.exec(pathname);
      const operation = m && route.ops[method.toLowerCase()];
      if (m && operation && METHODS.includes(method.toLowerCase())) {
        const pathParams = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
        return { operationId: operation.operationId ?? `${method} ${route.template}`, template: route.template, pathParams, operation };
      }
    }
    return null;
  }

  /** Problems with a request to a matched operation; [] when it is what the spec allows. */
  validateRequest(op: MatchedOperation, query: URLSearchParams, contentType: string | undefined, body: unknown): string[] {
    const problems: string[] = [];
    for (const p of op.operation.parameters ?? []) {
      if (p.in === 'path') {
        problems.push(...this.check(p.schema, op.pathParams[p.name], `path parameter ${p.name}`));
      } else if (p.in === 'query') {
        const values = query.getAll(p.name);
        if (!values.length) {
          if (p.required) problems.push(`query parameter ${p.name} is required`);
          continue;
        }
        const schema = p.schema ?? {};
        const value = schema.type === 'array' ? values.map((v) => coerce(v, (schema.items as Record<string, unknown>) ?? {})) : coerce(values[0], schema);
        problems.push(...this.check(schema, value, `query parameter ${p.name}`));
      }
    }
    const rb = op.operation.requestBody;
    if (rb) {
      if (body === undefined) {
        if (rb.required) problems.push('a request body is required');
      } else {
        if (!contentType || !/^application\/json\b/i.test(contentType)) problems.push(`content-type must be application/json (got ${contentType ?? 'none'})`);
        const media = Object.entries(rb.content ?? {}).find(([type]) => /json/i.test(type));
        if (media?.[1].schema) problems.push(...this.check(media[1].schema, body, 'request body'));
      }
    } else if (body !== undefined) {
      problems.push('this operation takes no request body');
    }
    return problems;
  }

  /** Problems with a response the fake is about to send (keeps the fake honest to the spec). */
  validateResponse(op: MatchedOperation, status: number, body: unknown): string[] {
    const response = op.operation.responses?.[String(status)];
    if (!response) return [`status ${status} is not documented for ${op.operationId}`];
    const media = Object.entries(response.content ?? {}).find(([type]) => /json/i.test(type));
    if (!media?.[1].schema) return body === undefined ? [] : [`${op.operationId} ${status} has no documented body`];
    return this.check(media[1].schema, body, `response ${status} body`);
  }

  private check(schema: Record<string, unknown> | undefined, value: unknown, what: string): string[] {
    if (!schema) return [];
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(withoutPlaceholderPatterns(rewriteRefs(schema)) as Record<string, unknown>);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => `${what}${e.instancePath} ${e.message}`);
  }
}

/**
 * Pleo's export spec writes the timestamp format as a `pattern` ("YYYY-MM-DDTHH:mi:ssZ"): a
 * description, not a regular expression (no real timestamp matches it). Such patterns are dropped;
 * `format: date-time` still checks the value.
 */
function withoutPlaceholderPatterns(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutPlaceholderPatterns);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k, v]) => !(k === 'pattern' && typeof v === 'string' && /^yyyy/i.test(v)))
      .map(([k, v]) => [k, withoutPlaceholderPatterns(v)]),
  );
}

function coerce(raw: string, schema: Record<string, unknown>): unknown {
  if (schema.type === 'integer' || schema.type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (schema.type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/** `#/components/…` inside an operation → `spec#/components/…` (the whole document is registered as "spec"). */
function rewriteRefs(schema: unknown): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema).replace(/"\$ref":"#\//g, '"$ref":"spec#/'));
}
