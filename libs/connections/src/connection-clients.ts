import { Inject, Injectable } from '@nestjs/common';
import { PrismaService } from '@app/database';
import { ErpAdapter, ErpAdapterFactory } from '@app/erp';
import { ApiKeyAuth, PleoAuth, PleoAuthError, PleoExportClient, PleoHttp, PleoVendorsClient } from '@app/pleo';
import { ConnectionRepository } from './connection.repository';
import { ConnectionSecrets } from './connection-secrets';
import { ConnectionRecord } from './connection.types';
import { CONNECTIONS_OPTIONS, ConnectionsOptions } from './connections.options';
import { ConnectionOAuthAuth } from './pleo/connection-oauth-auth';

export interface ConnectionClientSet {
  erp: ErpAdapter;
  pleoExports: PleoExportClient;
  pleoVendors: PleoVendorsClient;
}

/** Builds the ERP adapter and Pleo clients of one stored connection from its settings and secrets. */
@Injectable()
export class ConnectionClients {
  constructor(
    private readonly factory: ErpAdapterFactory,
    private readonly prisma: PrismaService,
    private readonly repository: ConnectionRepository,
    private readonly secrets: ConnectionSecrets,
    @Inject(CONNECTIONS_OPTIONS) private readonly options: ConnectionsOptions,
  ) {}

  build(record: ConnectionRecord): ConnectionClientSet {
    const kind = this.factory.definition(record.erpKind);
    const erp = this.factory.build(record.erpKind, {
      key: record.id,
      settings: record.erpSettings,
      secrets: this.secrets.openAll(record.id, record.secrets, kind.secretNames),
    });
    const http = new PleoHttp(
      { baseUrl: this.options.pleoApiBaseUrl, timeoutMs: this.options.pleoTimeoutMs, maxRetries: this.options.pleoMaxRetries, retryBaseMs: this.options.pleoRetryBaseMs },
      this.pleoAuth(record),
    );
    return { erp, pleoExports: new PleoExportClient(http), pleoVendors: new PleoVendorsClient(http) };
  }

  private pleoAuth(record: ConnectionRecord): PleoAuth {
    if (record.pleo.auth === 'oauth') {
      const client = { clientId: record.pleo.clientId ?? '', tokenUrl: this.options.pleoTokenUrl, timeoutMs: this.options.pleoTimeoutMs };
      return new ConnectionOAuthAuth(record.id, client, this.prisma, this.repository, this.secrets);
    }
    const sealed = record.secrets.pleoApiKey;
    if (sealed) return new ApiKeyAuth(this.secrets.open(record.id, 'pleoApiKey', sealed));
    return {
      header: () => Promise.reject(new PleoAuthError(`Connection ${record.id} has no Pleo API key: set secrets.pleoApiKey.`)),
    };
  }
}
