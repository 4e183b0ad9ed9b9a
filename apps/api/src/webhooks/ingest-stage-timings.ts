import { EventLoopUtilization, PerformanceObserver, monitorEventLoopDelay, performance } from 'node:perf_hooks';

/**
 * Benchmark instrument (issue #14, `INGEST_STAGE_TIMINGS=true`; off in production): where each
 * webhook request spends its time inside the api, stage by stage, and what the event loop and the
 * garbage collector did meanwhile. The benchmark asks for a summary of each phase over the IPC
 * channel it starts the api with (`{ type: 'ingest-stage-timings' }` → the summary, and a reset).
 * When off, none of this exists: the route and the service hold `undefined` and skip it.
 */
export const STAGES = ['arrived', 'handler', 'submitted', 'flushStarted', 'committed', 'enqueued', 'resumed', 'finished'] as const;
export type Stage = (typeof STAGES)[number];

const STALL_TICK_MS = 1;
/** A timer tick this late means the loop was busy (a long task or GC) for that long. */
const STALL_MS = 5;

export class StageTrace {
  readonly at = new Float64Array(STAGES.length).fill(NaN);
  batchSize = 0;
  constructor(arrivedAt: number) {
    this.at[0] = arrivedAt;
  }
  mark(stage: Stage): void {
    this.at[STAGES.indexOf(stage)] = performance.now();
  }
}

type Interval = { start: number; end: number };

export class IngestStageTimings {
  private traces: StageTrace[] = [];
  /** Group-commit items and requests → their trace. */
  private readonly byKey = new WeakMap<object, StageTrace>();
  private gcs: (Interval & { kind: number })[] = [];
  private stalls: Interval[] = [];
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 1 });
  private elu: EventLoopUtilization = performance.eventLoopUtilization();
  private readonly gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      this.gcs.push({ start: e.startTime, end: e.startTime + e.duration, kind: (e as { detail?: { kind?: number } }).detail?.kind ?? 0 });
    }
  });
  private readonly ticker: NodeJS.Timeout;

  constructor() {
    this.gcObserver.observe({ entryTypes: ['gc'] });
    this.loopDelay.enable();
    let last = performance.now();
    this.ticker = setInterval(() => {
      const now = performance.now();
      if (now - last > STALL_TICK_MS + STALL_MS) this.stalls.push({ start: last, end: now });
      last = now;
    }, STALL_TICK_MS);
    this.ticker.unref();
  }

  /** A trace for a request that arrived `elapsedMs` ago (Fastify's `reply.elapsedTime`). */
  start(elapsedMs: number): StageTrace {
    const trace = new StageTrace(performance.now() - elapsedMs);
    trace.mark('handler');
    return trace;
  }

  /** Links a request or a group-commit item to its trace, so the flush and the answer can mark it. */
  link(key: object, trace: StageTrace): void {
    this.byKey.set(key, trace);
  }

  submitted(item: object, trace: StageTrace): void {
    this.link(item, trace);
    trace.mark('submitted');
  }

  markItems(items: readonly { item: object }[], stage: Stage): void {
    for (const { item } of items) {
      const trace = this.byKey.get(item);
      if (!trace) continue;
      trace.mark(stage);
      if (stage === 'flushStarted') trace.batchSize = items.length;
    }
  }

  /** The answer to `request` is written: its trace is complete. */
  finish(request: object): void {
    const trace = this.byKey.get(request);
    if (!trace) return;
    trace.mark('finished');
    this.traces.push(trace);
  }

  /** What happened since the last call (or the start); starts over. */
  summary(): IngestStageSummary {
    const summary = summarise(this.traces, this.gcs, this.stalls);
    const elu = performance.eventLoopUtilization(this.elu);
    this.elu = performance.eventLoopUtilization();
    const loop = {
      utilisation: round(elu.utilization * 100),
      delayP50Ms: round(this.loopDelay.percentile(50) / 1e6),
      delayP99Ms: round(this.loopDelay.percentile(99) / 1e6),
      delayMaxMs: round(this.loopDelay.max / 1e6),
    };
    this.traces = [];
    this.gcs = [];
    this.stalls = [];
    this.loopDelay.reset();
    return { ...summary, loop };
  }

  stop(): void {
    clearInterval(this.ticker);
    this.gcObserver.disconnect();
    this.loopDelay.disable();
  }
}

export interface IngestStageSummary {
  requests: number;
  /** Per step (time from the previous stage reached to this one), ms: p50, p99 over all requests, and mean over the slowest 1 %. */
  steps: { stage: Stage; p50: number; p99: number; slowestMean: number }[];
  total: { p50: number; p99: number };
  batchSize: { p50: number; p99: number; slowestMean: number };
  gc: { count: number; totalMs: number; maxMs: number; slowestOverlapMs: number };
  stalls: { count: number; totalMs: number; maxMs: number; slowestOverlapMs: number };
  loop?: { utilisation: number; delayP50Ms: number; delayP99Ms: number; delayMaxMs: number };
}

const round = (x: number) => Math.round(x * 100) / 100;

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

/** Time (ms) of `intervals` inside [start, end]. */
function overlap(intervals: Interval[], start: number, end: number): number {
  let ms = 0;
  for (const i of intervals) ms += Math.max(0, Math.min(end, i.end) - Math.max(start, i.start));
  return ms;
}

/**
 * Steps between stages a request did not reach (a duplicate is never enqueued; a refused request
 * never submitted) are left out of that step; the next step is timed from the last stage reached.
 */
export function summarise(traces: StageTrace[], gcs: Interval[], stalls: Interval[]): Omit<IngestStageSummary, 'loop'> {
  const totalOf = (t: StageTrace) => t.at[STAGES.length - 1] - t.at[0];
  const byTotal = [...traces].sort((a, b) => totalOf(a) - totalOf(b));
  const slowest = byTotal.slice(Math.floor(byTotal.length * 0.99));
  const stepOf = (t: StageTrace, i: number) => {
    if (Number.isNaN(t.at[i])) return NaN;
    let prev = i - 1;
    while (prev > 0 && Number.isNaN(t.at[prev])) prev--;
    return t.at[i] - t.at[prev];
  };
  const sortedNumbers = (xs: number[]) => xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  const steps = STAGES.slice(1).map((stage, k) => {
    const all = sortedNumbers(traces.map((t) => stepOf(t, k + 1)));
    const slow = slowest.map((t) => stepOf(t, k + 1)).filter((x) => !Number.isNaN(x));
    return { stage, p50: round(percentile(all, 50)), p99: round(percentile(all, 99)), slowestMean: round(mean(slow)) };
  });
  const totals = byTotal.map(totalOf);
  const batches = sortedNumbers(traces.map((t) => t.batchSize || NaN));
  const pauses = (intervals: Interval[]) => {
    const lengths = intervals.map((i) => i.end - i.start);
    return {
      count: intervals.length,
      totalMs: round(lengths.reduce((a, b) => a + b, 0)),
      maxMs: round(Math.max(0, ...lengths)),
      slowestOverlapMs: round(mean(slowest.map((t) => overlap(intervals, t.at[0], t.at[STAGES.length - 1])))),
    };
  };
  return {
    requests: traces.length,
    steps,
    total: { p50: round(percentile(totals, 50)), p99: round(percentile(totals, 99)) },
    batchSize: { p50: percentile(batches, 50), p99: percentile(batches, 99), slowestMean: round(mean(slowest.map((t) => t.batchSize).filter(Boolean))) },
    gc: pauses(gcs),
    stalls: pauses(stalls),
  };
}

/** When the switch is on: the recorder, answering the benchmark's requests on the IPC channel. */
export function createIngestStageTimings(enabled: boolean): IngestStageTimings | undefined {
  if (!enabled) return undefined;
  const timings = new IngestStageTimings();
  if (process.send) {
    process.on('message', (msg: { type?: string } | null) => {
      if (msg?.type === 'ingest-stage-timings') process.send!({ type: 'ingest-stage-timings', summary: timings.summary() });
    });
    process.channel?.unref();
  }
  return timings;
}
