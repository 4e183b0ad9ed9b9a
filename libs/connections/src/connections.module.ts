import { DynamicModule, Module, Provider } from '@nestjs/common';
import { ErpModule } from '@app/erp';
import { PleoModule, TokenCipher } from '@app/pleo';
import { ConnectionClients } from './connection-clients';
import { ConnectionRepository } from './connection.repository';
import { ConnectionResolver, ENV_CONNECTION, EnvConnectionSettings } from './connection-resolver.service';
import { ConnectionSecrets } from './connection-secrets';
import { CONNECTIONS_OPTIONS, ConnectionsOptions } from './connections.options';

/**
 * Stored connections (repository, secrets, per-connection clients). With `env` (the worker), also
 * the resolver that picks a company's connection, the environment's default among them.
 */
@Module({})
export class ConnectionsModule {
  static forRoot(options: ConnectionsOptions, env?: EnvConnectionSettings): DynamicModule {
    const providers: Provider[] = [
      { provide: CONNECTIONS_OPTIONS, useValue: options },
      { provide: ConnectionSecrets, useValue: new ConnectionSecrets(options.encryptionKey ? new TokenCipher(options.encryptionKey) : null) },
      ConnectionRepository,
      ConnectionClients,
    ];
    if (env) providers.push({ provide: ENV_CONNECTION, useValue: env }, ConnectionResolver);
    return {
      module: ConnectionsModule,
      imports: [ErpModule, ...(env ? [PleoModule] : [])],
      providers,
      exports: [ErpModule, ConnectionRepository, ConnectionClients, ConnectionSecrets, CONNECTIONS_OPTIONS, ...(env ? [ConnectionResolver, PleoModule] : [])],
    };
  }
}
