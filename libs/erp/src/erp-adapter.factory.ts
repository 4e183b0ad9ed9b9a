import { Inject, Injectable } from '@nestjs/common';
import { instrumentErpAdapter } from '@app/metrics';
import { ErpAdapter } from './erp-adapter.port';
import { ERP_KINDS, ErpKindDefinition, ErpTarget } from './erp-kind';
import { RateGovernor } from './governor/rate-governor';

/**
 * The one place adapters are built: per connection (kind → builder), each with a fetch governed by
 * that connection's limits. Wrappers that apply to every adapter (metrics) belong in `build`.
 */
@Injectable()
export class ErpAdapterFactory {
  private readonly kinds = new Map<string, ErpKindDefinition>();

  constructor(
    @Inject(ERP_KINDS) kinds: ErpKindDefinition[],
    private readonly governor: RateGovernor,
  ) {
    for (const kind of kinds) this.register(kind);
  }

  /** Adds a kind (the built-in ones at start; tests add their own). */
  register(definition: ErpKindDefinition): void {
    this.kinds.set(definition.kind, definition);
  }

  get kindNames(): string[] {
    return [...this.kinds.keys()];
  }

  definition(kind: string): ErpKindDefinition {
    const found = this.kinds.get(kind);
    if (!found) throw new Error(`unknown ERP kind "${kind}"; known: ${this.kindNames.join(', ')}`);
    return found;
  }

  build(kind: string, target: ErpTarget): ErpAdapter {
    const definition = this.definition(kind);
    const fetch = this.governor.fetchFor(governorKey(definition, target), definition.rateLimits(target.settings));
    // every adapter is observed the same way (metrics per kind and operation)
    return instrumentErpAdapter(definition.build(target, { fetch }));
  }
}

/** One budget per ERP organisation when the kind names it (limits are the ERP's, per tenant), else per connection. */
export function governorKey(definition: ErpKindDefinition, target: ErpTarget): string {
  const tenant = definition.tenantKey?.(target.settings);
  return tenant ? `${definition.kind}:tenant:${tenant}` : `${definition.kind}:${target.key}`;
}
