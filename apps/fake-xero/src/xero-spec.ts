import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';

type Node = Record<string, unknown>;
const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && !Array.isArray(v);

/** Where the spec files are: beside the sources (ts), or in the repository when running from dist/. */
export function xeroSpecsDir(): string {
  const candidates = [path.resolve(__dirname, '..', 'specs'), path.resolve(__dirname, '..', '..', '..', '..', 'apps', 'fake-xero', 'specs')];
  return candidates.find((dir) => existsSync(path.join(dir, 'xero_accounting.yaml'))) ?? candidates[0];
}

/**
 * Xero's published spec with the corrections of `xero-overlay.yaml` (the spec's file stays as
 * published). The fake validates against this document and the client's types are generated from it,
 * so both agree on what a valid request is.
 */
export function loadPatchedXeroSpec(dir = xeroSpecsDir()): Node {
  const doc = YAML.parse(readFileSync(path.join(dir, 'xero_accounting.yaml'), 'utf8')) as Node;
  const overlay = YAML.parse(readFileSync(path.join(dir, 'xero-overlay.yaml'), 'utf8')) as {
    closedSchemas: string[];
    responses: Record<string, unknown>;
    components: Record<string, Node>;
  };
  fixNodes(doc);
  const components = doc.components as Record<string, Node>;
  for (const [section, entries] of Object.entries(overlay.components)) components[section] = { ...(components[section] ?? {}), ...entries };
  for (const name of overlay.closedSchemas) {
    const schema = components.schemas[name] as Node | undefined;
    if (!schema) throw new Error(`xero-overlay.yaml: no schema ${name} in the spec`);
    schema.additionalProperties = false;
  }
  for (const [template, item] of Object.entries(doc.paths as Record<string, Node>)) {
    for (const [method, op] of Object.entries(item)) {
      if (!isNode(op) || !isNode(op.responses)) continue;
      op.responses = { ...overlay.responses, ...op.responses };
      if (/\/Attachments\/\{FileName\}$/.test(template) && (method === 'put' || method === 'post')) rawAttachmentBody(op);
    }
  }
  return doc;
}

/** Drops `$ref` siblings (invalid in OAS 3.0) and turns string boolean defaults into booleans. */
function fixNodes(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(fixNodes);
  if (!isNode(node)) return;
  if (typeof node.$ref === 'string') {
    for (const key of Object.keys(node)) if (key !== '$ref') delete node[key];
    return;
  }
  if (node.type === 'boolean' && typeof node.default === 'string') node.default = node.default === 'true';
  Object.values(node).forEach(fixNodes);
}

/** Xero takes the file's raw bytes under the file's own content type (not base64 octet-stream). */
function rawAttachmentBody(op: Node): void {
  const schema = { type: 'string', format: 'binary' };
  op.requestBody = { ...(op.requestBody as Node), content: { 'application/octet-stream': { schema }, '*/*': { schema } } };
}
