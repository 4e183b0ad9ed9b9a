import { Body, Controller, Get, Headers, HttpCode, Logger, Param, Post, Query, Res } from '@nestjs/common';
import { IsOptional, IsString, Length } from 'class-validator';
import { FastifyReply } from 'fastify';
import { ConnectRefused } from './connect-refused';
import { messagePage, tenantChooserPage } from './connect-pages';
import { PleoConnectService } from './pleo-connect.service';
import { XeroConnectService } from './xero/xero-connect.service';

const PROVIDERS = ['pleo', 'xero'];

/** The operator's pick on the chooser page (a form post, or JSON). */
export class ChooseTenantBody {
  /** the signed choice from the callback's answer */
  @IsOptional() @IsString() @Length(1, 4000) choice?: string;
  /** one of the tenant ids listed with it */
  @IsOptional() @IsString() @Length(1, 100) tenantId?: string;
}

const wantsJson = (accept: string | undefined) => /application\/json/i.test(accept ?? '') && !/text\/html/i.test(accept ?? '');

/**
 * The browser side of the connect flows (Pleo, Xero): `start` (reached through a signed link from
 * POST /admin/connections/:id/connect[/xero]) and the provider's callback; for Xero, the choice of
 * organisation when several were authorised. Errors are short pages that say what to do.
 */
@Controller('connect')
export class ConnectController {
  private readonly logger = new Logger(ConnectController.name);

  constructor(
    private readonly pleo: PleoConnectService,
    private readonly xero: XeroConnectService,
  ) {}

  @Get(':provider/start')
  async start(@Param('provider') provider: string, @Query() query: Record<string, string>, @Res() reply: FastifyReply) {
    await this.respond(reply, provider, undefined, async () => {
      const location =
        provider === 'xero' ? await this.xero.authorizeUrl(query.connection ?? '', query.ticket, query.tenant || undefined) : await this.pleo.authorizeUrl(query.connection ?? '', query.ticket);
      reply.code(302).header('location', location).header('cache-control', 'no-store').send();
    });
  }

  @Get(':provider/callback')
  async callback(@Param('provider') provider: string, @Query() query: Record<string, string>, @Headers('accept') accept: string | undefined, @Res() reply: FastifyReply) {
    await this.respond(reply, provider, accept, async () => {
      if (provider === 'pleo') {
        const name = await this.pleo.complete(query);
        return this.html(reply, 200, 'Connected', `"${name}" is connected to Pleo. You can close this window; syncing starts on its own.`);
      }
      const outcome = await this.xero.complete(query);
      if (wantsJson(accept)) return this.json(reply, 200, { data: outcome });
      if (outcome.kind === 'choose') return this.send(reply, 200, tenantChooserPage(outcome.name, outcome.choice, outcome.tenants, outcome.current));
      this.connectedToXero(reply, outcome.name, outcome.tenant.tenantName);
    });
  }

  @Post(':provider/choose')
  @HttpCode(200)
  async choose(@Param('provider') provider: string, @Body() body: ChooseTenantBody, @Headers('accept') accept: string | undefined, @Res() reply: FastifyReply) {
    await this.respond(reply, provider, accept, async () => {
      if (provider !== 'xero') throw new ConnectRefused(`There is no organisation to choose for ${provider}.`, 404);
      const chosen = await this.xero.choose(body?.choice, body?.tenantId);
      if (wantsJson(accept)) return this.json(reply, 200, { data: { kind: 'connected', ...chosen } });
      this.connectedToXero(reply, chosen.name, chosen.tenant.tenantName);
    });
  }

  private connectedToXero(reply: FastifyReply, name: string, organisation: string): void {
    this.html(reply, 200, 'Connected', `"${name}" is connected to the Xero organisation ${organisation}. You can close this window; syncing starts on its own.`);
  }

  private async respond(reply: FastifyReply, provider: string, accept: string | undefined, work: () => Promise<void>): Promise<void> {
    if (!PROVIDERS.includes(provider)) return this.html(reply, 404, 'Unknown provider', `There is no connect flow for "${provider}" (known: ${PROVIDERS.join(', ')}).`);
    try {
      await work();
    } catch (err) {
      if (!(err instanceof ConnectRefused)) throw err;
      this.logger.warn(`${provider} connect flow refused: ${err.message}`);
      if (wantsJson(accept)) return this.json(reply, err.status, { statusCode: err.status, error: 'not_connected', message: err.message });
      this.html(reply, err.status, 'Not connected', err.message);
    }
  }

  private html(reply: FastifyReply, status: number, title: string, text: string): void {
    this.send(reply, status, messagePage(title, text));
  }

  private send(reply: FastifyReply, status: number, page: string): void {
    reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(page);
  }

  private json(reply: FastifyReply, status: number, body: unknown): void {
    reply.code(status).header('cache-control', 'no-store').send(body);
  }
}
