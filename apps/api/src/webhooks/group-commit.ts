export interface GroupCommitLimits {
  /** Most items one flush takes. */
  maxItems: number;
  /** Most bytes (as reported by `submit`) one flush takes; a single larger item still goes alone. */
  maxBytes: number;
}

export interface PendingItem<T, R> {
  item: T;
  bytes: number;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Group commit: items submitted while a flush is running wait for it to return and then go
 * together in the next flush. Nothing waits on a timer: an item arriving while no flush runs is
 * flushed at once (after the current tick, so items arriving together in one tick share it),
 * which is why a lone request pays nothing extra while a storm is absorbed in batches.
 *
 * The flush settles each item itself (it may settle some after it returns, e.g. after a second
 * step); if it throws, every item it has not settled is rejected with that error.
 */
export class GroupCommit<T, R> {
  private readonly waiting: PendingItem<T, R>[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (batch: PendingItem<T, R>[]) => Promise<void>,
    private readonly limits: GroupCommitLimits,
  ) {}

  submit(item: T, bytes: number): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, bytes, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      // Requests read in the same turn of the event loop (one poll phase) join the first flush.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.waiting.length) {
        const batch = this.take();
        try {
          await this.flush(batch);
        } catch (err) {
          // Settling twice is a no-op, so items the flush already answered keep their answer.
          for (const pending of batch) pending.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private take(): PendingItem<T, R>[] {
    let count = 0;
    let bytes = 0;
    while (count < this.waiting.length && count < this.limits.maxItems) {
      const next = this.waiting[count].bytes;
      if (count > 0 && bytes + next > this.limits.maxBytes) break;
      bytes += next;
      count++;
    }
    return this.waiting.splice(0, count);
  }
}
