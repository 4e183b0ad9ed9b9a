import { GroupCommit, GroupCommitFull, PendingItem } from './group-commit';

/** A flush that records its batches and returns only when the test lets it. */
function recorder() {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  const flush = async (batch: PendingItem<number, string>[]) => {
    batches.push(batch.map((p) => p.item));
    await new Promise<void>((release) => gates.push(release));
    for (const p of batch) p.resolve(`done ${p.item}`);
  };
  const releaseNext = async () => {
    while (!gates.length) await new Promise((r) => setImmediate(r));
    gates.shift()!();
  };
  return { batches, flush, releaseNext };
}

describe('GroupCommit', () => {
  it('refuses at once (GroupCommitFull) beyond the waiting caps in items and bytes, and takes items again once a flush took them', async () => {
    const r = recorder();
    const group = new GroupCommit(r.flush, { maxItems: 10, maxBytes: 1000, maxInFlight: 1, maxWaitingItems: 2, maxWaitingBytes: 100 });
    const first = group.submit(0, 10);
    await new Promise((resolve) => setImmediate(resolve)); // the first flush is under way: nothing waits
    const waiting = [group.submit(1, 10), group.submit(2, 10)];
    await expect(group.submit(3, 10)).rejects.toBeInstanceOf(GroupCommitFull); // 2 items wait
    await r.releaseNext(); // [1, 2] go into the next flush
    await new Promise((resolve) => setImmediate(resolve));
    const big = group.submit(4, 60);
    await expect(group.submit(5, 50)).rejects.toBeInstanceOf(GroupCommitFull); // 110 bytes would wait
    await r.releaseNext();
    await r.releaseNext();
    expect(await Promise.all([first, ...waiting, big])).toEqual(['done 0', 'done 1', 'done 2', 'done 4']);
  });

  it('flushes a lone item at once, without waiting for company', async () => {
    const r = recorder();
    const group = new GroupCommit(r.flush, { maxItems: 10, maxBytes: 1000, maxInFlight: 1 });
    const answer = group.submit(1, 10);
    await r.releaseNext();
    await expect(answer).resolves.toBe('done 1');
    expect(r.batches).toEqual([[1]]);
  });

  it('gathers what arrives during a flush into the next one, capped in items and bytes', async () => {
    const r = recorder();
    const group = new GroupCommit(r.flush, { maxItems: 3, maxBytes: 100, maxInFlight: 1 });
    const answers = [group.submit(0, 10)];
    await new Promise((resolve) => setImmediate(resolve)); // the first flush is under way
    answers.push(...[1, 2, 3, 4].map((i) => group.submit(i, 10)), group.submit(5, 90), group.submit(6, 500));
    for (let i = 0; i < 4; i++) await r.releaseNext();
    expect(await Promise.all(answers)).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `done ${i}`));
    // [1,2,3]: the item cap; [4,5]: 100 bytes; [6]: larger than the cap, alone.
    expect(r.batches).toEqual([[0], [1, 2, 3], [4, 5], [6]]);
  });

  it('runs up to maxInFlight flushes at once, then gathers the rest for the first slot that frees', async () => {
    const r = recorder();
    const group = new GroupCommit(r.flush, { maxItems: 100, maxBytes: 1000, maxInFlight: 2 });
    const answers = [group.submit(0, 1)];
    await new Promise((resolve) => setImmediate(resolve));
    answers.push(group.submit(1, 1));
    await new Promise((resolve) => setImmediate(resolve));
    answers.push(...[2, 3, 4].map((i) => group.submit(i, 1)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(r.batches).toEqual([[0], [1]]);
    for (let i = 0; i < 3; i++) await r.releaseNext();
    expect(await Promise.all(answers)).toHaveLength(5);
    expect(r.batches).toEqual([[0], [1], [2, 3, 4]]);
  });

  it('rejects the unanswered items of a failed flush and goes on with the next batch', async () => {
    let calls = 0;
    const group = new GroupCommit<number, string>(async (batch) => {
      calls++;
      batch[0].resolve('answered before the failure');
      if (calls === 1) throw new Error('the store went away');
      for (const p of batch.slice(1)) p.resolve('ok');
    }, { maxItems: 10, maxBytes: 1000, maxInFlight: 1 });
    const first = [group.submit(1, 1), group.submit(2, 1)];
    await expect(first[0]).resolves.toBe('answered before the failure');
    await expect(first[1]).rejects.toThrow('the store went away');
    await expect(group.submit(3, 1)).resolves.toBe('answered before the failure');
  });
});
