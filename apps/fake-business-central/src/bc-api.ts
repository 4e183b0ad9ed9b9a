import { BC, HttpAnswer, bcError } from './bc-answers';
import { BcCompany } from './bc-company';
import { applyQuery, readQuery } from './bc-odata';
import { BcSchemas, EntityName } from './bc-schemas';
import { EntitySet, companySets } from './bc-sets';
import { Doc, Row, Table, etagOf } from './bc-store';

export interface ApiRequest {
  method: string;
  /** the path after …/api/v2.0/companies({id})/ split into segments */
  segments: string[];
  query: URLSearchParams;
  body: unknown;
  raw: Buffer;
  ifMatch?: string;
  /** for @odata.context */
  contextBase: string;
}

/** The outcome of one API request: the answer and the request problems to record as violations. */
export interface ApiOutcome {
  answer: HttpAnswer;
  violations: string[];
  /** the operation wrote something (a fault "after commit" applies only then) */
  wrote: boolean;
}

const SEGMENT = /^([A-Za-z][A-Za-z0-9.]*)(?:\(([^)]*)\))?$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

const violation = (message: string, status = 400, code: string = BC.badRequest): ApiOutcome => ({ answer: bcError(status, code, message), violations: [message], wrote: false });
const plain = (answer: HttpAnswer, wrote = false): ApiOutcome => ({ answer, violations: [], wrote });
const methodNotAllowed = (method: string, name: string) => violation(`'${method}' requests for '${name}' of EdmType 'Entity' are not allowed within Dynamics 365 Business Central OData web services.`, 405, BC.methodNotAllowed);

function view(row: Row, select: string[]): Doc {
  const doc = select.length ? Object.fromEntries(select.map((k) => [k, row.doc[k]])) : row.doc;
  return { '@odata.etag': etagOf(row), ...doc };
}

/** One request under companies({id})/ (entity sets, navigation, bound actions, attachment content). */
export function operate(co: BcCompany, schemas: BcSchemas, req: ApiRequest): ApiOutcome {
  const sets = companySets(co);
  const parsed = req.segments.map((s) => SEGMENT.exec(s));
  const bad = parsed.findIndex((m) => !m);
  if (bad >= 0) return violation(`The request URI segment '${req.segments[bad]}' is not valid.`, 404, BC.notFound);
  const first = parsed[0]!;
  const top: EntitySet | undefined = sets[first[1]];
  let setName = first[1];
  if (!top) return violation(`No HTTP resource was found that matches the request URI (segment '${first[1]}').`, 404, BC.notFound);
  let set: EntitySet = top;
  let row: Row | undefined;
  const find = (key: string | undefined): Row | HttpAnswer | undefined => {
    if (key === undefined) return undefined;
    if (!GUID.test(key)) return bcError(400, BC.badRequest, `The key '${key}' is not a valid Edm.Guid.`);
    return (set.lookup ? set.lookup(key) : set.rows().find((r) => r.doc.id === key.toLowerCase())) ?? bcError(404, BC.recordNotFound, `The ${set.entity} does not exist. Identification fields and values: Id='${key}'`);
  };
  const found = find(first[2]);
  if (found instanceof HttpAnswer) return found.status === 400 ? violation(`The key '${first[2]}' is not a valid Edm.Guid.`) : plain(found);
  row = found;

  for (let i = 1; i < parsed.length; i++) {
    const [, name, key] = parsed[i]!;
    const last = i === parsed.length - 1;
    if (!row) return violation(`The segment '${name}' needs a single ${set.entity} before it (a key).`, 404, BC.notFound);
    if (name.startsWith('Microsoft.NAV.')) {
      const action = set.actions?.[name.slice('Microsoft.NAV.'.length)];
      if (!action || !last) return violation(`No bound action '${name}' on ${set.entity}.`, 404, BC.notFound);
      if (req.method !== 'POST') return methodNotAllowed(req.method, name);
      if (req.raw.length) return violation(`The bound action '${name}' takes no request body.`);
      const answer = action(row);
      return plain(answer, answer.status < 300);
    }
    if (name === 'attachmentContent' && (set.entity === 'documentAttachment' || set.entity === 'attachment') && last) return attachmentContent(co, row, req, set.entity === 'attachment' ? co.attachments : co.documentAttachments);
    const child: ((r: Row) => EntitySet) | undefined = set.children?.[name];
    if (!child) return violation(`Could not find a navigation property named '${name}' on ${set.entity}.`, 404, BC.notFound);
    set = child(row);
    setName = name;
    const next = find(key);
    if (next instanceof HttpAnswer) return next.status === 400 ? violation(`The key '${key}' is not a valid Edm.Guid.`) : plain(next);
    row = next;
  }
  const context = `${req.contextBase}/$metadata#companies(${co.id})/${setName}${row ? '/$entity' : ''}`;
  return row ? single(set, row, req, context, schemas) : collection(set, setName, req, context, schemas);
}

function expandQuery(set: EntitySet, req: ApiRequest, schemas: BcSchemas) {
  const fields = new Set(Object.keys(schemas.schema(set.entity).properties).filter((k) => !schemas.schema(set.entity).properties[k]['x-navigation']));
  return readQuery(req.query, fields, new Set(Object.keys(set.children ?? {})));
}

function withExpand(set: EntitySet, row: Row, expand: string[], select: string[]): Doc {
  const doc = view(row, select);
  for (const name of expand) doc[name] = set.children![name](row).rows().map((r) => view(r, []));
  return doc;
}

function single(set: EntitySet, row: Row, req: ApiRequest, context: string, schemas: BcSchemas): ApiOutcome {
  if (req.method === 'GET') {
    const q = expandQuery(set, req, schemas);
    if (typeof q === 'string') return violation(q);
    return plain(new HttpAnswer(200, { '@odata.context': context, ...withExpand(set, row, q.expand, q.select) }, { etag: etagOf(row) }));
  }
  if (req.method !== 'PATCH' && req.method !== 'DELETE') return methodNotAllowed(req.method, set.entity);
  const op = req.method === 'PATCH' ? set.update : set.remove;
  if (!op) return methodNotAllowed(req.method, set.entity);
  if (!req.ifMatch) return violation(`The If-Match header is required to ${req.method === 'PATCH' ? 'update' : 'delete'} a ${set.entity}: send the @odata.etag (or *).`);
  if (req.ifMatch !== '*' && req.ifMatch !== etagOf(row)) {
    return plain(bcError(412, BC.entityChanged, `Could not save the changes because the ${set.entity} was changed by another user or process since it was read (If-Match ${req.ifMatch}, current ${etagOf(row)}).`));
  }
  if (req.method === 'DELETE') {
    const refused = set.remove!(row);
    return refused ? plain(refused) : plain(new HttpAnswer(204), true);
  }
  const problem = schemas.check(set.entity, 'PATCH', req.body);
  if (problem) return { answer: bcError(400, BC.badRequest, problem.message), violations: problem.problems, wrote: false };
  const out = set.update!(row, req.body as Doc);
  if (out instanceof HttpAnswer) return plain(out);
  return plain(new HttpAnswer(200, { '@odata.context': context, ...view(out, []) }, { etag: etagOf(out) }), true);
}

function collection(set: EntitySet, setName: string, req: ApiRequest, context: string, schemas: BcSchemas): ApiOutcome {
  if (req.method === 'GET') {
    const q = expandQuery(set, req, schemas);
    if (typeof q === 'string') return violation(q);
    const rows = set.rows();
    const byId = new Map(rows.map((r) => [r.doc, r]));
    const { page, total } = applyQuery(rows.map((r) => r.doc), q);
    return plain(new HttpAnswer(200, { '@odata.context': context, ...(q.count && { '@odata.count': total }), value: page.map((d) => withExpand(set, byId.get(d)!, q.expand, q.select)) }));
  }
  if (req.method !== 'POST') return methodNotAllowed(req.method, setName);
  if (!set.create) return methodNotAllowed(req.method, setName);
  const problem = schemas.check(set.entity as EntityName, 'POST', req.body);
  if (problem) return { answer: bcError(400, BC.badRequest, problem.message), violations: problem.problems, wrote: false };
  const out = set.create(req.body as Doc);
  if (out instanceof HttpAnswer) return plain(out);
  const expanded = Object.keys(req.body as Doc).filter((k) => set.children?.[k]);
  return plain(new HttpAnswer(201, { '@odata.context': `${context}/$entity`, ...withExpand(set, out, expanded, []) }, { etag: etagOf(out), location: `${context.split('/$metadata')[0]}/companies(${String(out.doc.id)})` }), true);
}

function attachmentContent(co: BcCompany, row: Row, req: ApiRequest, table: Table): ApiOutcome {
  const id = String(row.doc.id);
  if (req.method === 'GET') return plain(new HttpAnswer(200, co.attachmentContent.get(id) ?? Buffer.alloc(0), { 'content-type': 'application/octet-stream' }));
  if (req.method !== 'PATCH') return methodNotAllowed(req.method, 'attachmentContent');
  if (!req.ifMatch) return violation('The If-Match header is required to update attachmentContent (send * or the attachment\'s @odata.etag).');
  if (req.ifMatch !== '*' && req.ifMatch !== etagOf(row)) return plain(bcError(412, BC.entityChanged, `Could not save the changes because the ${String(table === co.attachments ? 'attachment' : 'documentAttachment')} was changed by another user or process since it was read.`));
  if (!req.raw.length) return violation('The attachment content is empty.');
  co.attachmentContent.set(id, Buffer.from(req.raw));
  table.update(row, { byteSize: req.raw.length });
  return plain(new HttpAnswer(204), true);
}
