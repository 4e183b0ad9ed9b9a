import type { FakePleo } from './fake-pleo.server';
import { FakeVendor, Fault } from './fake-pleo-state';
import { HttpAnswer } from './http-answer';

/**
 * /_fake/…: seed vendors and export jobs, read calls, set faults and switches, move the clock,
 * reset. Not part of Pleo's API; only served when the fake is started with `control`.
 */
export function fakeControl(fake: FakePleo, method: string, url: URL, raw: string): HttpAnswer {
  const body = raw ? JSON.parse(raw) : {};
  const route = `${method} ${url.pathname}`;
  const exports = fake.exports;
  if (route === 'POST /_fake/vendors') {
    // Accepts a vendor, or a whole v1.vendor.created webhook body ({data: vendor}).
    const input = (body.data ?? body) as FakeVendor;
    return new HttpAnswer(201, { data: fake.state.addVendor(input) });
  }
  const vendor = /^GET \/_fake\/vendors\/(.+)$/.exec(route);
  if (vendor) {
    const found = fake.state.vendors.get(vendor[1]);
    return found ? new HttpAnswer(200, { data: found }) : new HttpAnswer(404, { message: 'no such vendor' });
  }
  if (route === 'GET /_fake/calls') {
    return new HttpAnswer(200, { calls: fake.state.calls, activations: fake.state.activations, files: exports.filesHost.requests, specProblems: fake.specProblems() });
  }
  if (route === 'POST /_fake/faults') {
    fake.state.faults.push(...((Array.isArray(body) ? body : [body]) as Fault[]));
    return new HttpAnswer(204);
  }
  if (route === 'POST /_fake/export-jobs') return new HttpAnswer(201, { data: exports.view(exports.seedJob(body)) });
  const jobRoute = /^(GET|POST) \/_fake\/export-jobs\/([^/]+)(?:\/([a-z-]+))?$/.exec(route);
  if (jobRoute) {
    const job = exports.jobs.get(jobRoute[2]);
    if (!job) return new HttpAnswer(404, { message: 'no such job' });
    switch (`${jobRoute[1]} ${jobRoute[3] ?? ''}`) {
      case 'GET ':
        return new HttpAnswer(200, { data: exports.view(job), events: job.events, updates: job.updates, items: Object.fromEntries(job.items) });
      case 'POST contra-missing': // GET export-items answers 400 MISSING_CONTRA_ACCOUNTS
        job.contraMissing = body.missing !== false;
        return new HttpAnswer(204);
      case 'POST cancel': // the user cancels the job now
        exports.interrupt(job, 'canceled_by_user');
        return new HttpAnswer(204);
      case 'POST interrupt': // {operation, nth, reason}: cancel or expire when that request arrives
        job.interruptOn = { operation: body.operation, nth: Number(body.nth ?? 1), reason: body.reason ?? 'canceled_by_user' };
        return new HttpAnswer(204);
      case 'POST item-faults': // {<accountingEntryId>: {type, times}}: refuse those item updates
        for (const [id, f] of Object.entries(body as Record<string, { type: string; times?: number }>)) job.itemFaults.set(id, { type: f.type, times: f.times ?? 1 });
        return new HttpAnswer(204);
    }
  }
  if (route === 'POST /_fake/settings') {
    if (body.putRefreshesExpiry !== undefined) exports.putRefreshesExpiry = !!body.putRefreshesExpiry;
    if (body.redirectFilesOnce !== undefined) exports.filesHost.redirectOnce = !!body.redirectFilesOnce;
    return new HttpAnswer(204);
  }
  if (route === 'POST /_fake/clock') {
    exports.clockOffsetMs += Number(body.advanceSeconds ?? 0) * 1000;
    return new HttpAnswer(204);
  }
  if (route === 'POST /_fake/reset') {
    fake.state.reset();
    exports.reset();
    return new HttpAnswer(204);
  }
  return new HttpAnswer(404, { message: `unknown control route ${route}` });
}
