import { ConnectionUnavailable } from '@app/connections';
import { ErpError } from '@app/erp';
import { CompanyBusy } from '@app/sync';
import { waitInsteadMs, waitingMessage } from './job-wait';

describe('waitInsteadMs', () => {
  it('delays what is no failure: a busy company, a connection waiting for a person, an ERP allowance', () => {
    expect(waitInsteadMs(new CompanyBusy('c'))).toBe(2_000);
    expect(waitInsteadMs(new ConnectionUnavailable('id', 'needs_reauthorisation', 'Pleo refused the key'))).toBe(60_000);
    expect(waitInsteadMs(new ErpError('rate_limited', 'slow down', { retryAfterMs: 12_345 }))).toBe(12_345);
    expect(waitInsteadMs(new ErpError('rate_limited', 'slow down'))).toBe(5_000);
  });

  it('leaves real failures to the retry policy', () => {
    expect(waitInsteadMs(new ErpError('unavailable', 'down'))).toBeUndefined();
    expect(waitInsteadMs(new ErpError('auth', 'refused'))).toBeUndefined();
    expect(waitInsteadMs(new Error('boom'))).toBeUndefined();
  });

  it('says why the event waits', () => {
    expect(waitingMessage(new ConnectionUnavailable('id', 'disabled', 'The connection "A" is disabled; enable it to continue.'))).toBe('Waiting: The connection "A" is disabled; enable it to continue.');
  });
});
