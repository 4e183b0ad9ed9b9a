import { INestApplicationContext } from '@nestjs/common';

/**
 * On SIGTERM / SIGINT: stop taking work, let Nest's shutdown hooks finish in-flight work, close
 * connections, exit 0. A shutdown that hangs longer than `timeoutMs` exits 1 (the orchestrator
 * would kill us anyway; anything unfinished is retried from PostgreSQL / BullMQ, never lost).
 */
export function closeOnSignals(app: INestApplicationContext, timeoutMs = 25_000, drainMs = 0): void {
  let closing = false;
  const close = (signal: NodeJS.Signals) => {
    if (closing) return;
    closing = true;
    shutdownRequested = true;
    process.stderr.write(`${signal} received: shutting down\n`);
    setTimeout(() => {
      process.stderr.write(`shutdown did not finish within ${drainMs + timeoutMs} ms\n`);
      process.exit(1);
    }, drainMs + timeoutMs).unref();
    // O3: readiness answers 503 at once; load balancers need a moment to stop sending before we close.
    const drained = drainMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, drainMs)) : Promise.resolve();
    drained.then(() => app.close()).then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`shutdown failed: ${(err as Error)?.stack ?? err}\n`);
        process.exit(1);
      },
    );
  };
  // A repeated SIGTERM (orchestrators resend it) must not cut the drain short; a second Ctrl-C still does.
  process.on('SIGTERM', close);
  process.once('SIGINT', close);
}

let shutdownRequested = false;

/** True once SIGTERM/SIGINT arrived (readiness turns 503 before the process closes). */
export function isShuttingDown(): boolean {
  return shutdownRequested;
}
