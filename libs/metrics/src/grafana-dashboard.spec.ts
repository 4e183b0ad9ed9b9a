import { readFileSync } from 'node:fs';
import path from 'node:path';
import { metricsRegistry } from './registry';
import './metrics';

describe('docs/grafana-dashboard.json', () => {
  const dashboard = JSON.parse(readFileSync(path.join(__dirname, '../../../docs/grafana-dashboard.json'), 'utf8'));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));

  it('reads only metrics this service defines', () => {
    const defined = new Set(metricsRegistry.getMetricsAsArray().map((m) => m.name));
    const used = new Set(exprs.flatMap((e) => e.match(/pleo_erp_sync_[a-z_]+/g) ?? []).map((n) => n.replace(/_(bucket|count|sum)$/, '')));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !defined.has(n))).toEqual([]);
  });

  it('groups only by labels the metrics have', () => {
    const labels = new Map(
      metricsRegistry.getMetricsAsArray().map((m) => [m.name, new Set([...((m as unknown as { labelNames: string[] }).labelNames ?? []), 'le'])]),
    );
    for (const expr of exprs) {
      const name = (expr.match(/pleo_erp_sync_[a-z_]+/) ?? [''])[0].replace(/_(bucket|count|sum)$/, '');
      for (const [, by] of expr.matchAll(/by \(([^)]*)\)/g)) {
        for (const label of by.split(',').map((l) => l.trim())) expect([name, label, labels.get(name)?.has(label)]).toEqual([name, label, true]);
      }
    }
  });
});
