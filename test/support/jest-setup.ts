// Integration and end-to-end tests start processes and wait for retries: give them time.
jest.setTimeout(60_000);
