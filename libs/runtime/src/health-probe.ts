import { withTimeout } from './with-timeout';

/** One dependency check of a health endpoint. No error text: these answers are public (O4). */
export type ProbeResult = { status: 'up' } | { status: 'down' };

/** Runs `probe` with a timeout; `onDown` gets the real reason (for the logs, not the answer). */
export async function runProbe(probe: () => Promise<unknown>, timeoutMs: number, onDown?: (err: Error) => void): Promise<ProbeResult> {
  try {
    await withTimeout(probe(), timeoutMs, 'the check');
    return { status: 'up' };
  } catch (err) {
    onDown?.(err as Error);
    return { status: 'down' };
  }
}
