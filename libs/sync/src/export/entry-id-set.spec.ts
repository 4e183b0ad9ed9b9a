import { EntryIdSet } from './entry-id-set';

describe('EntryIdSet', () => {
  const id = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';

  it('matches an id in any letter case and keeps the first spelling', () => {
    const set = new EntryIdSet().add(id.toUpperCase()).add(id);
    expect([...set]).toEqual([id.toUpperCase()]);
    expect(set.delete(id)).toBe(true);
    expect(set.size).toBe(0);
    expect(set.delete(id.toUpperCase())).toBe(false);
  });

  it('deletes nothing for a value that is not a string', () => {
    const set = new EntryIdSet().add(id);
    expect(set.delete(undefined)).toBe(false);
    expect(set.size).toBe(1);
  });
});
