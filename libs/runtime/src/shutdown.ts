import { INestApplicationContext } from '@nestjs/common';

/**
 * On SIGTERM / SIGINT: stop taking work, let Nest's shutdown hooks finish in-flight work, close
 * connections, exit 0. A shutdown that hangs longer than `timeoutMs` exits 1 (the orchestrator
 * would kill us anyway; anything unfinished is retried from PostgreSQL / BullMQ, never lost).
 */
export function closeOnSignals(app: INestApplicationContext, timeoutMs = 25_000): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`${signal} received: shutting down\n`);
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${timeoutMs} ms\n`);
      process.exit(1);
    }, timeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error)?.stack ?? err}\n`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', close);
  process.once('SIGINT', close);
}
