/**
 * What a process's loops last reported, so a health endpoint can tell a wedged process (a loop
 * stuck for far longer than it should take) from a busy one. One registry per process: the loops
 * (periodic tasks, queue workers) beat, the health endpoint reads.
 */
export class Heartbeats {
  private readonly entries = new Map<object, { name: string; staleAfterMs: number; last: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Starts watching a loop: it must beat at least every `staleAfterMs`. Returns its beat and stop. */
  register(name: string, staleAfterMs: number): { beat(): void; unregister(): void } {
    const key = {};
    this.entries.set(key, { name, staleAfterMs, last: this.now() });
    return {
      beat: () => {
        const entry = this.entries.get(key);
        if (entry) entry.last = this.now();
      },
      unregister: () => this.entries.delete(key),
    };
  }

  /** The loops that have not beaten in time, with how long ago they last did. */
  stale(): { name: string; lastBeatSecondsAgo: number }[] {
    const now = this.now();
    return [...this.entries.values()]
      .filter((e) => now - e.last > e.staleAfterMs)
      .map((e) => ({ name: e.name, lastBeatSecondsAgo: Math.round((now - e.last) / 1000) }));
  }
}

/** The process's registry. */
export const heartbeats = new Heartbeats();
