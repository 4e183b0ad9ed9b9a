/** Something the operator must be told on the callback page (what went wrong, what to do). */
export class ConnectRefused extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'ConnectRefused';
  }
}
