import { Body, ConflictException, Controller, Delete, Get, HttpCode, HttpException, NotFoundException, Param, ParseUUIDPipe, Patch, Post, ServiceUnavailableException, UseGuards } from '@nestjs/common';
import { CompanyTaken, ConnectionRecord, ConnectionRepository, ConnectionSecrets, PLEO_SECRET_NAMES } from '@app/connections';
import { AdminTokenGuard } from '../admin-token.guard';
import { ConnectLinkDto, CreateConnectionDto, UpdateConnectionDto } from './connection.dto';
import { ConnectionInputCheck, bookingWithDefaults } from './connection-input';
import { connectionView } from './connection-view';
import { ConnectionVerifier } from './connection-verifier.service';
import { ConnectRefused } from '../../connect/connect-refused';
import { PleoConnectService } from '../../connect/pleo-connect.service';
import { XeroConnectService } from '../../connect/xero/xero-connect.service';
import { pendingConnectFlow } from '../../connect/pending-connect';

/**
 * Connections (one Pleo company ↔ one ERP organisation) for operators. Secrets are write-only:
 * POST and PATCH take them, no answer ever carries them (only whether each is set).
 */
@Controller('admin/connections')
@UseGuards(AdminTokenGuard)
export class ConnectionsController {
  constructor(
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
    private readonly input: ConnectionInputCheck,
    private readonly verifier: ConnectionVerifier,
    private readonly connectFlow: PleoConnectService,
    private readonly xeroConnectFlow: XeroConnectService,
  ) {}

  @Post()
  async create(@Body() body: CreateConnectionDto) {
    const secrets = body.secrets ?? {};
    const erpSettings = body.erpSettings ?? {};
    this.input.check({ erpKind: body.erpKind, erpSettings, pleo: body.pleo, secrets });
    this.requireEncryption(secrets);
    try {
      const created = await this.repository.create({
        companyId: body.companyId.toLowerCase(),
        name: body.name,
        erpKind: body.erpKind,
        erpSettings,
        booking: bookingWithDefaults(body.booking),
        pleo: { auth: body.pleo.auth, ...(body.pleo.clientId && { clientId: body.pleo.clientId }) },
        secrets: Object.fromEntries(Object.entries(secrets).filter(([, v]) => v !== null)),
      });
      return this.answer(await this.waitForConnectFlow(created));
    } catch (err) {
      if (err instanceof CompanyTaken) throw new ConflictException({ statusCode: 409, error: 'company_taken', message: `Company ${body.companyId} already has a connection; change it with PATCH, or delete it first.` });
      throw err;
    }
  }

  @Get()
  async list() {
    return { data: (await this.repository.list()).map((r) => connectionView(r, this.input.erpSecretNames(r.erpKind))) };
  }

  @Get(':id')
  async get(@Param('id', ParseUUIDPipe) id: string) {
    return this.answer(await this.found(id));
  }

  @Patch(':id')
  async update(@Param('id', ParseUUIDPipe) id: string, @Body() body: UpdateConnectionDto) {
    const current = await this.found(id);
    const secrets = body.secrets ?? {};
    const pleo = body.pleo ? { auth: body.pleo.auth, ...(body.pleo.clientId && { clientId: body.pleo.clientId }) } : current.pleo;
    const erpSettings = body.erpSettings ?? current.erpSettings;
    this.input.check({ erpKind: current.erpKind, erpSettings, pleo, secrets }, current);
    this.requireEncryption(secrets);
    // New credentials for the side that was refused are a re-authorisation.
    const refusedSide: readonly string[] = current.statusSide === 'pleo' ? PLEO_SECRET_NAMES : current.statusSide === 'erp' ? this.input.erpSecretNames(current.erpKind) : [];
    const renewed = current.status === 'needs_reauthorisation' && Object.keys(secrets).some((n) => refusedSide.includes(n) && secrets[n] !== null);
    const updated = await this.repository.update(current, {
      ...(body.name && { name: body.name }),
      ...(body.erpSettings && { erpSettings }),
      ...(body.booking && { booking: bookingWithDefaults(body.booking, current.booking) }),
      ...(body.pleo && { pleo }),
      ...(body.secrets && { secrets }),
      ...((body.status || renewed) && { status: body.status ?? 'active' }),
    });
    return this.answer(await this.waitForConnectFlow(updated));
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    if (!(await this.repository.softDelete(id))) throw this.notFound(id);
  }

  @Post(':id/verify')
  @HttpCode(200)
  async verify(@Param('id', ParseUUIDPipe) id: string) {
    return this.answer((await this.verifier.verify(await this.found(id))) ?? (await this.found(id)));
  }

  /** A signed link (15 minutes) that starts Pleo's OAuth connect flow in a browser. */
  @Post(':id/connect')
  @HttpCode(200)
  async connect(@Param('id', ParseUUIDPipe) id: string) {
    const record = await this.found(id);
    return this.linkOrRefusal(() => this.connectFlow.startLink(record));
  }

  /**
   * A signed link (15 minutes) that starts Xero's OAuth connect flow in a browser; with `tenantId`,
   * that organisation is taken (it must be among those authorised), else the only one, else the
   * operator chooses. Register `redirectUri` (in the answer) on the Xero app.
   */
  @Post(':id/connect/xero')
  @HttpCode(200)
  async connectXero(@Param('id', ParseUUIDPipe) id: string, @Body() body: ConnectLinkDto) {
    const record = await this.found(id);
    return this.linkOrRefusal(() => this.xeroConnectFlow.startLink(record, body?.tenantId));
  }

  private linkOrRefusal<T>(link: () => T): { data: T } {
    try {
      return { data: link() };
    } catch (err) {
      if (err instanceof ConnectRefused) throw new HttpException({ statusCode: err.status, error: 'cannot_connect', message: err.message }, err.status);
      throw err;
    }
  }

  /** OAuth without its chain yet (Pleo, Xero) or Xero without an organisation: the connection waits for the connect flow. */
  private async waitForConnectFlow(record: ConnectionRecord): Promise<ConnectionRecord> {
    const pending = record.status === 'active' ? pendingConnectFlow(record) : null;
    if (!pending) return record;
    await this.repository.needsReauthorisation(record.id, pending.side, pending.reason);
    return (await this.repository.get(record.id)) ?? record;
  }

  private answer(record: ConnectionRecord) {
    return { data: connectionView(record, this.input.erpSecretNames(record.erpKind)) };
  }

  private async found(id: string): Promise<ConnectionRecord> {
    const record = await this.repository.get(id);
    if (!record) throw this.notFound(id);
    return record;
  }

  private notFound(id: string) {
    return new NotFoundException({ statusCode: 404, error: 'not_found', message: `no connection ${id}` });
  }

  private requireEncryption(secrets: Record<string, unknown>): void {
    if (Object.keys(secrets).length && !this.secrets.available) {
      throw new ServiceUnavailableException({ statusCode: 503, error: 'encryption_key_missing', message: 'ENCRYPTION_KEY is not set on the API: connections cannot store credentials.' });
    }
  }
}
