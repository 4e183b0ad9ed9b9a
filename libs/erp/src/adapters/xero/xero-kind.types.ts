// TEMPORARY local copy of the connections branch's kind interface (libs/erp/src/erp-kind.ts and
// governor/rate-limits.ts): delete when that lands on main and import from there.
import { ErpAdapter } from '../../erp-adapter.port';

export type JsonObject = Record<string, unknown>;
export interface RateLimits {
  windows: { limit: number; windowMs: number }[];
  concurrent?: number;
  remainingHeaders?: { header: string; windowMs: number }[];
}
export interface ErpTarget {
  key: string;
  settings: JsonObject;
  secrets: Record<string, string>;
}
export interface ErpBuildDeps {
  fetch: typeof fetch;
}
export interface ErpKindDefinition {
  kind: string;
  secretNames: readonly string[];
  settingsProblems(settings: JsonObject): string[];
  rateLimits(settings: JsonObject): RateLimits | null;
  build(target: ErpTarget, deps: ErpBuildDeps): ErpAdapter;
}
