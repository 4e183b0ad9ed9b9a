/**
 * The process around a fake service (fake Pleo, fake Xero: docker compose demo, end-to-end tests):
 * `start` builds, listens and prints its start-up line; SIGTERM or SIGINT closes what it returned and
 * exits 0; a failed start is printed and exits 1.
 */
export function runFake(start: () => Promise<{ close(): Promise<unknown> }>): void {
  start().then(
    (fake) => {
      const stop = () => fake.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
