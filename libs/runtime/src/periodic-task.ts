import { Logger } from '@nestjs/common';

/**
 * Runs `work` now and then every `intervalMs`, never two at once (a slow run is not overlapped),
 * logging failures and carrying on. `stop()` waits for a run in progress.
 */
export class PeriodicTask {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;

  constructor(
    private readonly logger: Logger,
    private readonly what: string,
    private readonly intervalMs: number,
    private readonly work: () => Promise<string | void>,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.tick();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = this.work()
      .then((summary) => summary && this.logger.log(summary))
      .catch((err) => this.logger.warn(`${this.what} failed, will retry: ${(err as Error).message}`))
      .finally(() => (this.running = undefined));
  }
}
