/**
 * Accounting entry ids to export, matched case-insensitively (a uuid is a uuid in any letter case:
 * Pleo's control and data layers may spell one differently) and kept in Pleo's first spelling, which
 * is the one reported back.
 */
export class EntryIdSet implements Iterable<string> {
  private readonly ids = new Map<string, string>();

  add(id: string): this {
    const key = id.toLowerCase();
    if (!this.ids.has(key)) this.ids.set(key, id);
    return this;
  }

  /** True when the id (in any letter case) was in the set. */
  delete(id: unknown): boolean {
    return typeof id === 'string' && this.ids.delete(id.toLowerCase());
  }

  get size(): number {
    return this.ids.size;
  }

  [Symbol.iterator](): Iterator<string> {
    return this.ids.values();
  }
}
