import { Injectable } from '@nestjs/common';
import { ConnectionClients, ConnectionRecord, ConnectionRepository } from '@app/connections';
import { ErpError } from '@app/erp';
import { PleoApiError, PleoAuthError } from '@app/pleo';

const refusedByPleo = (err: unknown) => err instanceof PleoAuthError || (err instanceof PleoApiError && (err.status === 401 || err.status === 403));

/**
 * Verifies a stored connection: the ERP adapter's verifyConnection and a cheap Pleo call (the
 * company's pending export jobs, first page). The result is stored on the connection; a side that
 * refuses the credentials makes it needs_reauthorisation, a pass on both sides ends that.
 */
@Injectable()
export class ConnectionVerifier {
  constructor(
    private readonly clients: ConnectionClients,
    private readonly repository: ConnectionRepository,
  ) {}

  async verify(record: ConnectionRecord): Promise<ConnectionRecord | null> {
    const outcome = await this.check(record);
    if (outcome.reauthorise) await this.repository.needsReauthorisation(record.id, outcome.reauthorise, outcome.message);
    return this.repository.recordVerification(record.id, outcome.ok, outcome.message);
  }

  private async check(record: ConnectionRecord): Promise<{ ok: boolean; message: string; reauthorise?: 'pleo' | 'erp' }> {
    let clients;
    try {
      clients = this.clients.build(record);
    } catch (err) {
      return { ok: false, message: `The connection's settings or secrets cannot be used: ${(err as Error).message}. Was ENCRYPTION_KEY changed?` };
    }
    try {
      await clients.erp.verifyConnection({ correlationId: `verify-${record.id}`, signal: AbortSignal.timeout(30_000) });
    } catch (err) {
      if (!(err instanceof ErpError)) throw err;
      return { ok: false, message: `ERP: ${err.message}`, ...(err.kind === 'auth' && { reauthorise: 'erp' as const }) };
    }
    try {
      await clients.pleoExports.listJobs(record.companyId, ['pending']).next();
    } catch (err) {
      const message = `Pleo: ${(err as Error).message}`;
      return { ok: false, message, ...(refusedByPleo(err) && { reauthorise: 'pleo' as const }) };
    }
    return { ok: true, message: 'The ERP and Pleo both accepted the connection.' };
  }
}
