import type { PrismaService } from '@app/database';
import { ErpKindDefinition } from '../../erp-kind';
import { ErpError } from '../../erp-errors';
import { XeroErpAdapter } from './xero-erp.adapter';
import { XERO_SECRET_NAMES, xeroSettings, xeroSettingsProblems } from './xero-settings';
import { PrismaXeroTokenStore, SecretSealer } from './xero-token.store';
import { XeroTokens } from './xero-tokens';

/**
 * Xero's limits per organisation (tenant): 5 calls at once, 60 a minute, 5,000 a day; every answer
 * says what is left (developer.xero.com/faq/limits).
 */
export const XERO_RATE_LIMITS = {
  windows: [
    { limit: 60, windowMs: 60_000 },
    { limit: 5000, windowMs: 86_400_000 },
  ],
  concurrent: 5,
  remainingHeaders: [
    { header: 'x-minlimit-remaining', windowMs: 60_000 },
    { header: 'x-daylimit-remaining', windowMs: 86_400_000 },
  ],
};

/** The Xero kind: settings checked, tokens kept per connection (sealed, locked), one adapter per connection. */
export function xeroErpKind(prisma: PrismaService, sealer: SecretSealer): ErpKindDefinition {
  return {
    kind: 'xero',
    secretNames: XERO_SECRET_NAMES,
    settingsProblems: xeroSettingsProblems,
    rateLimits: () => XERO_RATE_LIMITS,
    // Xero's limits are per tenant: two connections to one organisation share them
    tenantKey: (settings) => (typeof settings.tenantId === 'string' && settings.tenantId ? settings.tenantId.toLowerCase() : null),
    build: (target, deps) => {
      const s = xeroSettings(target.settings);
      if (!s.tenantId) throw new ErpError('auth', 'No Xero organisation is chosen yet: run the connect flow (POST /admin/connections/:id/connect/xero) and choose one.');
      const tokens = new XeroTokens(
        { clientId: s.clientId, clientSecret: target.secrets.clientSecret ?? '', grantType: s.grantType, initialRefreshToken: target.secrets.refreshToken, identityUrl: s.identityUrl },
        s.grantType === 'authorization_code' ? new PrismaXeroTokenStore(prisma, sealer, target.key) : null,
        // the identity service is not the API: its calls do not count against the tenant's limits
        fetch,
      );
      return new XeroErpAdapter({ apiUrl: s.apiUrl, tenantId: s.tenantId }, tokens, deps.fetch);
    },
  };
}
