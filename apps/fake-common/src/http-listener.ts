import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

/**
 * A fake's HTTP server on `port` (0: a free one) and `host`; `url` is how clients on this machine
 * reach it (a server bound to every interface is reached on 127.0.0.1).
 */
export async function listenHttp(handler: (req: IncomingMessage, res: ServerResponse) => void, port: number, host: string): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address() as AddressInfo;
  return { server, url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${bound}` };
}

/** Closes a fake's server, keep-alive connections included (a no-op when it never listened). */
export async function closeHttp(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
}
