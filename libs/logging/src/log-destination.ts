import pino from 'pino';

export interface BufferedLogDestinationOptions {
  /** A file descriptor (stdout by default) or a file path. */
  dest?: number | string;
  /** Bytes gathered before one write (issue #14: one threadpool write per chunk, not per line). */
  minLength?: number;
  /** The longest a line waits in the buffer. */
  flushIntervalMs?: number;
}

export type BufferedLogDestination = ReturnType<typeof pino.destination>;

/**
 * The log lines' destination: asynchronous like pino's default (a line never blocks the event
 * loop), but lines are gathered into chunks of `minLength` bytes, so one threadpool write and one
 * completion callback carry many lines instead of one each. An unref'd timer writes what is
 * buffered every `flushIntervalMs`, so a line reaches stdout within about that long. pino flushes
 * what is left synchronously on `exit` (a normal stop, `process.exit`, a crash); `flushLogs`
 * writes it while the loop still runs (the shutdown hook).
 */
export function bufferedLogDestination({ dest = 1, minLength = 4096, flushIntervalMs = 1000 }: BufferedLogDestinationOptions = {}): BufferedLogDestination {
  if (!(minLength >= 0 && flushIntervalMs > 0)) throw new Error(`invalid log buffering: minLength ${minLength}, flushIntervalMs ${flushIntervalMs}`);
  return pino.destination({ dest, minLength, sync: false, periodicFlush: flushIntervalMs });
}

let stdout: BufferedLogDestination | undefined;

/** The process's one buffered stdout destination (every app in the process shares it: one timer, one exit flush). */
export function stdoutLogDestination(): BufferedLogDestination {
  return (stdout ??= bufferedLogDestination());
}

/** Writes what `destination` has buffered and waits for it (bounded: a stuck stdout does not hold a shutdown). */
export function flushLogs(destination: BufferedLogDestination, timeoutMs = 2000): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    timer.unref();
    // The callback gets fsync's EINVAL on a pipe or terminal: the bytes are written by then.
    destination.flush(() => (clearTimeout(timer), resolve()));
  });
}
