export interface GroupCommitLimits {
  /** Most items one flush takes. */
  maxItems: number;
  /** Most bytes (as reported by `submit`) one flush takes; a single larger item still goes alone. */
  maxBytes: number;
  /** Flushes running at once; items arriving while all are busy wait and go together in the next. */
  maxInFlight: number;
  /** Most items and bytes waiting for a flush; beyond them `submit` refuses at once (GroupCommitFull). */
  maxWaitingItems?: number;
  maxWaitingBytes?: number;
}

/** Too much is waiting for a flush already (the store is slower than the arrivals): try again later. */
export class GroupCommitFull extends Error {
  constructor() {
    super('too many items are waiting to be stored');
    this.name = 'GroupCommitFull';
  }
}

export interface PendingItem<T, R> {
  item: T;
  bytes: number;
  resolve(result: R): void;
  reject(err: unknown): void;
}

/**
 * Group commit: items submitted while every flush slot is busy wait for one to return and then go
 * together in the next flush. Nothing waits on a timer: an item arriving while a slot is free is
 * flushed at once (after the current turn of the event loop, so requests read together share it),
 * which is why a lone request pays nothing extra while a storm is absorbed in batches.
 *
 * The flush settles each item itself (it may settle some after it returns, e.g. after a second
 * step); if it throws, every item it has not settled is rejected with that error.
 */
export class GroupCommit<T, R> {
  private readonly waiting: PendingItem<T, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private waitingBytes = 0;

  constructor(
    private readonly flush: (batch: PendingItem<T, R>[]) => Promise<void>,
    private readonly limits: GroupCommitLimits,
  ) {}

  submit(item: T, bytes: number): Promise<R> {
    const { maxWaitingItems = Infinity, maxWaitingBytes = Infinity } = this.limits;
    if (this.waiting.length >= maxWaitingItems || (this.waiting.length && this.waitingBytes + bytes > maxWaitingBytes)) {
      return Promise.reject(new GroupCommitFull());
    }
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, bytes, resolve, reject });
      this.waitingBytes += bytes;
      if (!this.scheduled && this.inFlight < this.limits.maxInFlight) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          this.launch();
        });
      }
    });
  }

  private launch(): void {
    while (this.waiting.length && this.inFlight < this.limits.maxInFlight) {
      const batch = this.take();
      this.inFlight++;
      this.flush(batch)
        // Settling twice is a no-op, so items the flush already answered keep their answer.
        .catch((err) => batch.forEach((pending) => pending.reject(err)))
        .finally(() => {
          this.inFlight--;
          this.launch();
        });
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
    this.waitingBytes -= bytes;
    return this.waiting.splice(0, count);
  }
}
