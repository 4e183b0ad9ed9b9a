import { Logger } from '@nestjs/common';
import { heartbeats } from './heartbeats';

/**
 * Runs `work` now and then every `intervalMs`, never two at once (a slow run is not overlapped),
 * logging failures and carrying on. `stop()` waits for a run in progress. Each finished run (failed
 * or not) is a heartbeat: a run stuck for several intervals makes the worker's health say so.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private heartbeat?: { beat(): void; unregister(): void };

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<string | void>,
  ) {}

  start(): void {
    this.heartbeat = heartbeats.register(this.what, 3 * this.intervalMs + 60_000);
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.heartbeat?.unregister();
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.work()
      .then((summary) => summary && this.logger.log(summary))
      .catch((err) => this.logger.warn(`${this.what} failed, will retry: ${(err as Error).message}`))
      .finally(() => {
        this.running = undefined;
        this.heartbeat?.beat();
      });
  }
}
