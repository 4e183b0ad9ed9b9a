import { DelayedError, Job } from 'bullmq';
import { ConnectionUnavailable } from '@app/connections';
import { ErpError } from '@app/erp';
import { RunInterrupted } from '@app/runtime';
import { CompanyBusy } from '@app/sync';

/** How long a run that found its company busy waits before trying again. */
const BUSY_DELAY_MS = 2_000;
/** How often a job of a connection that needs a person (re-authorise, enable) looks again. */
const CONNECTION_WAIT_MS = 60_000;
const RATE_LIMIT_WAIT_MS = 5_000;

/**
 * Failures that are no failure: another run holds the company, the connection waits for a person,
 * or the ERP connection has used its request allowance. Returns how long the job should wait (it is
 * delayed without spending an attempt), or undefined for a real failure.
 */
export function waitInsteadMs(err: unknown): number | undefined {
  if (err instanceof CompanyBusy) return BUSY_DELAY_MS;
  // stopped at a safe point: on shutdown the next worker takes it at once; after a lost lock, as busy
  if (err instanceof RunInterrupted) return err.why === 'shutdown' ? 0 : BUSY_DELAY_MS;
  if (err instanceof ConnectionUnavailable) return CONNECTION_WAIT_MS;
  if (err instanceof ErpError && err.kind === 'rate_limited') return err.retryAfterMs ?? RATE_LIMIT_WAIT_MS;
  return undefined;
}

/** For the event's lastError while it waits. */
export function waitingMessage(err: unknown): string {
  if (err instanceof CompanyBusy) return 'Waiting: another export for this company is running.';
  return `Waiting: ${(err as Error).message}`;
}

/** Runs a job; one that must wait is moved to delayed (no attempt spent) instead of failing. */
export async function delayWhenMustWait<T>(job: Job, token: string | undefined, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const waitMs = waitInsteadMs(err);
    if (waitMs === undefined || !token) throw err;
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }
}
