import { Controller, Get, Logger, Param, Query, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { ConnectRefused, PleoConnectService } from './pleo-connect.service';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, text: string) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${escape(title)}</title></head>` +
  `<body style="font-family:sans-serif;max-width:40em;margin:4em auto"><h1>${escape(title)}</h1><p>${escape(text)}</p></body></html>`;

/**
 * The browser side of the connect flow: `start` (reached through a signed link from
 * POST /admin/connections/:id/connect) and Pleo's callback. Errors are short pages that say what to do.
 */
@Controller('connect')
export class ConnectController {
  private readonly logger = new Logger(ConnectController.name);

  constructor(private readonly pleo: PleoConnectService) {}

  @Get(':provider/start')
  async start(@Param('provider') provider: string, @Query() query: Record<string, string>, @Res() reply: FastifyReply) {
    await this.respond(reply, provider, async () => {
      const location = await this.pleo.authorizeUrl(query.connection ?? '', query.ticket);
      reply.code(302).header('location', location).header('cache-control', 'no-store').send();
    });
  }

  @Get(':provider/callback')
  async callback(@Param('provider') provider: string, @Query() query: Record<string, string>, @Res() reply: FastifyReply) {
    await this.respond(reply, provider, async () => {
      const name = await this.pleo.complete(query);
      this.html(reply, 200, 'Connected', `"${name}" is connected to Pleo. You can close this window; syncing starts on its own.`);
    });
  }

  private async respond(reply: FastifyReply, provider: string, work: () => Promise<void>): Promise<void> {
    if (provider !== 'pleo') return this.html(reply, 404, 'Unknown provider', `There is no connect flow for "${provider}" (known: pleo).`);
    try {
      await work();
    } catch (err) {
      if (!(err instanceof ConnectRefused)) throw err;
      this.logger.warn(`connect flow refused: ${err.message}`);
      this.html(reply, err.status, 'Not connected', err.message);
    }
  }

  private html(reply: FastifyReply, status: number, title: string, text: string): void {
    reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(page(title, text));
  }
}
