import { ErpError } from '@app/erp';
import { ExportJobItem, PleoApiError, PleoUnreachable } from '@app/pleo';
import { finalEventOf, jobFailureOf } from './job-outcome';

const item = (status: ExportJobItem['status'], failureReasonType?: ExportJobItem['failureReasonType']): ExportJobItem => ({ accountingEntryId: 'a', exportJobId: 'j', status, failureReasonType });

describe('finalEventOf (F-11)', () => {
  it('completed without failures, completed_with_errors with some', () => {
    expect(finalEventOf([item('successful'), item('successful')])).toEqual({ event: 'completed' });
    expect(finalEventOf([item('successful'), item('failed', 'account_unknown')])).toEqual({ event: 'completed_with_errors' });
  });

  it('failed when nothing was exported: the dominant reason if Pleo has a job reason of that name, else validation_failure', () => {
    expect(finalEventOf([item('failed', 'accounting_system_unreachable'), item('failed', 'accounting_system_unreachable'), item('failed', 'account_unknown')]).failure?.type).toBe('accounting_system_unreachable');
    expect(finalEventOf([item('failed', 'vendor_unknown')]).failure?.type).toBe('validation_failure');
  });
});

describe('jobFailureOf (F-2)', () => {
  it('MISSING_CONTRA_ACCOUNTS: missing_configuration with Pleo’s own words, not retried', () => {
    const err = new PleoApiError(400, 'MISSING_CONTRA_ACCOUNTS', 'Contra accounts are not fully configured', 'GET', '/v3/export-items');
    expect(jobFailureOf(err)).toEqual({ type: 'missing_configuration', reason: 'Contra accounts are not fully configured', retryable: false });
  });

  it.each([
    [new PleoApiError(429, 'TOO_MANY', 'slow down', 'GET', '/x', 1000), 'pleo_rate_limit', true],
    [new PleoApiError(503, 'SERVER_ERROR', 'down', 'GET', '/x'), 'service_unreachable', true],
    [new PleoApiError(401, 'UNAUTHORIZED', 'no', 'GET', '/x'), 'authentication_failure', false],
    [new PleoUnreachable('GET', '/x', new Error('ECONNREFUSED')), 'service_unreachable', true],
    [new ErpError('unavailable', 'ERP down'), 'accounting_system_unreachable', true],
    [new ErpError('auth', 'token expired'), 'accounting_system_authentication_failure', false],
  ])('%s → %s (retryable %s), said without "retrying"', (err, type, retryable) => {
    const failure = jobFailureOf(err);
    expect(failure).toMatchObject({ type, retryable });
    expect(failure.reason).not.toMatch(/retrying/);
  });
});
