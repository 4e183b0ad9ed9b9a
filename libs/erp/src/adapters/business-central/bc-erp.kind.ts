import type IORedis from 'ioredis';
import { ErpKindDefinition } from '../../erp-kind';
import { RateLimits } from '../../governor/rate-limits';
import { BusinessCentralErpAdapter } from './bc-erp.adapter';
import { BcLock, LocalBcLock, RedisBcLock } from './bc-lock';
import { BC_SECRET_NAMES, bcSettingsProblems, parseBcSettings } from './bc-settings';
import { BcTokens, RedisBcTokenShare } from './bc-token';

/**
 * Business Central's limits per user / service principal: 6,000 requests in any 5 minutes, and 5
 * processed at once (more are queued by BC, then refused with 429) — Microsoft's "API limits".
 */
export const BC_RATE_LIMITS: RateLimits = { windows: [{ limit: 6_000, windowMs: 300_000 }], concurrent: 5 };

/** The Business Central kind; with Redis, tokens are shared and journals locked across processes. */
export function businessCentralErpKind(redis: { client: IORedis; prefix: string } | null): ErpKindDefinition {
  const localLock = new LocalBcLock();
  return {
    kind: 'business-central',
    secretNames: BC_SECRET_NAMES,
    settingsProblems: bcSettingsProblems,
    rateLimits: () => BC_RATE_LIMITS,
    // BC counts per user / service principal: connections sharing an Entra app in one environment share one budget
    tenantKey: (settings) => {
      const [tenant, client, environment] = [settings.tenantId, settings.clientId, settings.environment].map((v) => (typeof v === 'string' ? v.trim().toLowerCase() : ''));
      return tenant && client && environment ? `${tenant}:${environment}:${client}` : null;
    },
    build: (target, deps) => {
      const s = parseBcSettings(target.settings);
      const clientSecret = target.secrets.clientSecret;
      if (!clientSecret) throw new Error('Business Central: the client secret is missing (BC_CLIENT_SECRET / secret "clientSecret")');
      const tokenSettings = { tenantId: s.tenantId, clientId: s.clientId, clientSecret, tokenUrl: s.tokenUrl };
      const share = redis ? new RedisBcTokenShare(redis.client, redis.prefix, target.key, tokenSettings) : null;
      // Entra is not Business Central: token requests do not count against the API's limits
      const tokens = new BcTokens(tokenSettings, share, fetch);
      const lock: BcLock = redis ? new RedisBcLock(redis.client, redis.prefix) : localLock;
      return new BusinessCentralErpAdapter(s, { tokens, fetch: deps.fetch, lock, connectionKey: target.key });
    },
  };
}
