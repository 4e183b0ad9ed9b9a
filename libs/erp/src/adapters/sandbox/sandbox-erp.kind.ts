import { PrismaService } from '@app/database';
import { ErpKindDefinition } from '../../erp-kind';
import { DEFAULT_SANDBOX_BOOK, SandboxErpAdapter } from './sandbox-erp.adapter';

/** The simulated ERP: no settings, no secrets, no limits; one book per connection. */
export function sandboxErpKind(prisma: PrismaService): ErpKindDefinition {
  return {
    kind: 'sandbox',
    secretNames: [],
    settingsProblems: (settings) => Object.keys(settings).map((k) => `erpSettings.${k}: the sandbox ERP takes no settings`),
    rateLimits: () => null,
    build: (target) => new SandboxErpAdapter(prisma, target.key || DEFAULT_SANDBOX_BOOK),
  };
}
