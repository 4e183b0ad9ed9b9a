// Open-loop load at a steady rate for bench/ingest.bench.mjs (issue #14, third pass): request i is
// sent at start + i / rate, whatever the answers before it did, over keep-alive connections opened
// as needed (up to `connections`). autocannon's rate limit is not that: each connection sends
// back to back until it has made its share of the second, then waits for the next second (bursts
// of closed-loop load), and it "corrects" every latency L of a rate-limited run with synthetic
// samples L-1, L-2, … 1 ms (expected interval ⌈1/rate⌉ = 1 ms), which weighs each slow answer by
// its length. Here every answer is one sample; the result has autocannon's shape where the
// benchmark reads it.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const TIMEOUT_MS = 10_000;

/** The p-th percentile (0–100) of sorted numbers. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/**
 * The p99 autocannon would report for these latencies in a rate-limited run: every latency L (ms,
 * rounded as autocannon records it) also counts L-1, L-2, … down to 1.
 */
export function autocannonStyleP99(latenciesMs) {
  const counts = new Map();
  let total = 0;
  for (const l of latenciesMs) {
    const top = Math.max(1, Math.round(l));
    for (let v = top; v >= 1; v--) counts.set(v, (counts.get(v) ?? 0) + 1);
    total += top;
  }
  let seen = 0;
  for (const v of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(v);
    if (seen >= 0.99 * total) return v;
  }
  return NaN;
}

/** Sends `requests` (autocannon's request shape) at `rate` per second for `seconds`. */
export async function pacedLoad(base, { rate, seconds, connections }, requests) {
  const url = new URL(base);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const total = Math.min(requests.length, Math.round(rate * seconds));
  const fromSend = [];
  const fromSchedule = [];
  const statusCodeStats = {};
  let errors = 0;
  let timeouts = 0;
  let sent = 0;
  let done = 0;
  const start = performance.now();
  await new Promise((resolve) => {
    const finish = () => ++done === total && resolve();
    const send = (i, due) => {
      const r = requests[i];
      let sentAt;
      const req = http.request(
        { agent, host: url.hostname, port: url.port, method: r.method, path: r.path, headers: { ...r.headers, 'content-length': Buffer.byteLength(r.body) } },
        (res) => {
          res.resume();
          res.on('end', () => {
            const now = performance.now();
            fromSend.push(now - sentAt);
            fromSchedule.push(now - due);
            (statusCodeStats[res.statusCode] ??= { count: 0 }).count++;
            finish();
          });
        },
      );
      // The request is written once it has a socket: a wait for one (every connection busy) counts
      // against the schedule, not against the answer's latency.
      req.on('socket', (socket) => (socket.connecting ? socket.once('connect', () => (sentAt = performance.now())) : (sentAt = performance.now())));
      req.setTimeout(TIMEOUT_MS, () => {
        timeouts++;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end(r.body);
    };
    const ticker = setInterval(() => {
      const now = performance.now();
      while (sent < total && start + (sent * 1000) / rate <= now) send(sent, start + (sent++ * 1000) / rate);
      if (sent === total) clearInterval(ticker);
    }, 1);
  });
  agent.destroy();
  const sortedSend = fromSend.sort((a, b) => a - b);
  const sortedSchedule = fromSchedule.sort((a, b) => a - b);
  const ms = (x) => Math.round(x * 10) / 10;
  return {
    duration: (performance.now() - start) / 1e3,
    statusCodeStats,
    errors,
    timeouts,
    latency: { p50: ms(percentile(sortedSend, 50)), p99: ms(percentile(sortedSend, 99)) },
    fromSchedule: { p50: ms(percentile(sortedSchedule, 50)), p99: ms(percentile(sortedSchedule, 99)) },
    autocannonStyleP99: autocannonStyleP99(sortedSend),
  };
}
