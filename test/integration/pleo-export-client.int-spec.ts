import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { ApiKeyAuth, PleoExportClient, PleoHttp } from '@app/pleo';

/**
 * The export client against a peer that misbehaves in ways the strict fake never does (its cursors
 * always advance): a server that keeps answering hasNextPage with the same endCursor.
 */
describe('Pleo export client: cursor walk', () => {
  let server: Server;
  let requests: string[];
  let client: PleoExportClient;

  beforeAll(async () => {
    requests = [];
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' });
      const data = [{ accountingEntryId: '00000000-0000-4000-8000-000000000001', exportJobId: 'j', status: 'pending' }];
      res.end(JSON.stringify({ data, pagination: { hasNextPage: true, hasPreviousPage: false, endCursor: 'SAME', currentRequestPagination: { parameters: {} } } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const http = new PleoHttp({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 2_000, maxRetries: 0, retryBaseMs: 10 }, new ApiKeyAuth('k'));
    client = new PleoExportClient(http, 1);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('F-13: stops with an error when the endCursor repeats instead of reading the same page forever; path segments are encoded', async () => {
    const seen: unknown[] = [];
    await expect(
      (async () => {
        for await (const item of client.jobItems('a/b?c')) seen.push(item);
      })(),
    ).rejects.toThrow('the page cursor did not advance (SAME)');
    expect(seen).toHaveLength(2); // the first page, and the page after it: then the repeat is seen
    expect(requests).toHaveLength(2);
    expect(requests[0]).toMatch(/^\/v3\/export-jobs\/a%2Fb%3Fc\/items\?/);
  });
});
