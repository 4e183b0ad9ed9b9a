import { Heartbeats } from './heartbeats';

describe('Heartbeats (O4)', () => {
  it('reports a loop that has not beaten within its limit, and forgets unregistered ones', () => {
    let now = 0;
    const hb = new Heartbeats(() => now);
    const sweep = hb.register('outbox sweep', 10_000);
    const poll = hb.register('export poll', 60_000);
    now = 9_000;
    expect(hb.stale()).toEqual([]);
    now = 15_000;
    expect(hb.stale()).toEqual([{ name: 'outbox sweep', lastBeatSecondsAgo: 15 }]);
    sweep.beat();
    expect(hb.stale()).toEqual([]);
    now = 100_000;
    poll.unregister();
    expect(hb.stale().map((s) => s.name)).toEqual(['outbox sweep']);
  });
});
