import { IngestStageTimings, STAGES, StageTrace, summarise } from './ingest-stage-timings';

/** A trace whose stages were reached at the given times (ms; undefined = not reached). */
function trace(times: (number | undefined)[], batchSize = 1): StageTrace {
  const t = new StageTrace(times[0]!);
  times.forEach((ms, i) => (t.at[i] = ms ?? NaN));
  t.batchSize = batchSize;
  return t;
}

describe('summarise', () => {
  // arrived, handler, submitted, flushStarted, committed, enqueued, resumed, finished
  const fast = (start: number) => trace([start, start + 1, start + 1, start + 2, start + 4, start + 5, start + 5, start + 6]);

  it('times each step from the previous stage, and tells where the slowest 1 % spent theirs', () => {
    const traces = Array.from({ length: 199 }, (_, i) => fast(i * 10));
    // One slow request: it waited 30 ms for its flush to start.
    traces.push(trace([5000, 5001, 5001, 5031, 5033, 5034, 5034, 5035], 3));
    const s = summarise(traces, [], []);
    expect(s.requests).toBe(200);
    expect(s.steps.map((x) => x.stage)).toEqual(STAGES.slice(1));
    const step = (stage: string) => s.steps.find((x) => x.stage === stage)!;
    expect(step('flushStarted')).toEqual({ stage: 'flushStarted', p50: 1, p99: 1, slowestMean: 15.5 }); // slowest 1 % = 2 requests
    expect(step('committed').p50).toBe(2);
    expect(s.total).toEqual({ p50: 6, p99: 6 });
    expect(s.batchSize).toEqual({ p50: 1, p99: 1, slowestMean: 2 });
  });

  it('times a step after a stage not reached from the last stage reached (a duplicate is never enqueued)', () => {
    const s = summarise([trace([0, 1, 1, 2, 4, undefined, 7, 8])], [], []);
    expect(s.steps.find((x) => x.stage === 'enqueued')!.p50).toBeNaN();
    expect(s.steps.find((x) => x.stage === 'resumed')!.p50).toBe(3);
  });

  it('counts GC pauses and loop stalls, and how much of them fell inside the slowest requests', () => {
    const traces = [...Array.from({ length: 99 }, (_, i) => fast(i * 10)), trace([2000, 2001, 2001, 2002, 2004, 2030, 2030, 2031])];
    const gcs = [
      { start: 2010, end: 2022 }, // inside the slow request
      { start: 5000, end: 5002 }, // outside every request
    ];
    const s = summarise(traces, gcs, [{ start: 2025, end: 2040 }]);
    expect(s.gc).toEqual({ count: 2, totalMs: 14, maxMs: 12, slowestOverlapMs: 12 });
    expect(s.stalls).toEqual({ count: 1, totalMs: 15, maxMs: 15, slowestOverlapMs: 6 });
  });
});

describe('IngestStageTimings', () => {
  it('completes a trace when its request is answered and starts over after each summary', () => {
    const timings = new IngestStageTimings();
    try {
      const request = {};
      const item = {};
      const t = timings.start(3);
      timings.link(request, t);
      timings.submitted(item, t);
      timings.markItems([{ item }, { item: {} }], 'flushStarted');
      timings.finish(request);
      timings.finish({}); // a request without a trace (another route) is ignored
      const first = timings.summary();
      expect(first.requests).toBe(1);
      expect(first.batchSize.p50).toBe(2);
      expect(first.total.p50).toBeGreaterThanOrEqual(3);
      expect(first.loop).toEqual(expect.objectContaining({ utilisation: expect.any(Number), delayMaxMs: expect.any(Number) }));
      expect(timings.summary().requests).toBe(0);
    } finally {
      timings.stop();
    }
  });
});
