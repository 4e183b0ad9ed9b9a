import { randomUUID } from 'node:crypto';
import type { Doc } from './bc-odata';

export type { Doc };

/** A stored record: its API fields and a version that changes on every write (the ETag). */
export interface Row {
  doc: Doc;
  version: number;
}

/** BC's weak ETag shape: W/"<base64 of '<version>;<hash>;'>". */
export const etagOf = (row: Row) => `W/"${Buffer.from(`'${row.version};${String(row.doc.id).replace(/-/g, '').slice(0, 16)};00;'`).toString('base64')}"`;

const now = () => new Date().toISOString();

/** Records by id, in insertion order, with versions. */
export class Table {
  readonly rows = new Map<string, Row>();

  insert(fields: Doc): Row {
    const id = (fields.id as string | undefined) ?? randomUUID();
    const row: Row = { doc: { id, ...fields, lastModifiedDateTime: now() }, version: 1 };
    this.rows.set(id, row);
    return row;
  }

  get(id: string): Row | undefined {
    return this.rows.get(id.toLowerCase());
  }

  list(): Row[] {
    return [...this.rows.values()];
  }

  docs(): Doc[] {
    return this.list().map((r) => r.doc);
  }

  find(test: (doc: Doc) => boolean): Row | undefined {
    return this.list().find((r) => test(r.doc));
  }

  update(row: Row, fields: Doc): Row {
    Object.assign(row.doc, fields, { lastModifiedDateTime: now() });
    row.version++;
    return row;
  }

  delete(id: string): void {
    this.rows.delete(id);
  }
}

/** A number series: prefix and zero-padded counter, increment as BC's No. Series lines do. */
export class NumberSeries {
  constructor(
    private readonly prefix: string,
    private last: number,
    private readonly step = 1,
    private readonly width = 5,
  ) {}

  next(): string {
    this.last += this.step;
    return `${this.prefix}${String(this.last).padStart(this.width, '0')}`;
  }
}

export const round2 = (n: number) => Math.round((n + Number.EPSILON) * 100) / 100;
