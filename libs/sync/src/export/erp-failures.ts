import { ErpError } from '@app/erp';
import { ExportItemFailureReasonType, ExportJobFailureReasonType } from '@app/pleo';
import { ItemFailure } from './item-failure';

/** A permanent ERP refusal of one item, in Pleo's item reason types. */
export function itemFailureFromErp(err: ErpError): ItemFailure {
  const bySubject: Record<string, ExportItemFailureReasonType> = {
    account: 'account_unknown',
    tax_code: 'tax_code_unknown',
    vendor: 'vendor_unknown',
    dimension: 'tag_unknown',
  };
  const type: ExportItemFailureReasonType =
    err.kind === 'unknown_reference' && err.subject && bySubject[err.subject]
      ? bySubject[err.subject]
      : err.kind === 'auth'
        ? 'accounting_system_authentication_failure'
        : err.kind === 'configuration'
          ? 'invalid_configuration'
          : 'accounting_system_validation_failure';
  return { type, reason: err.message };
}

/** A failed pre-export check, in Pleo's job reason types. */
export function jobFailureFromErp(err: ErpError): { type: ExportJobFailureReasonType; reason: string } {
  const types: Record<string, ExportJobFailureReasonType> = {
    unavailable: 'accounting_system_unreachable',
    timeout: 'accounting_system_timeout',
    rate_limited: 'accounting_system_rate_limit',
    auth: 'accounting_system_authentication_failure',
    configuration: 'invalid_configuration',
  };
  const type = types[err.kind] ?? 'integration_unusable';
  const prefix = type === 'accounting_system_unreachable' ? 'Failed to reach the Accounting System. ' : '';
  return { type, reason: `${prefix}${err.message}` };
}

/**
 * An ERP refusal that is about the connection, not the item (finding 8): its credentials (`auth`)
 * or its set-up (`configuration`). Every other item would be refused the same way, so it stops the
 * page and fails the job with the job-level reason; a stored connection's `auth` refusal also makes
 * the connection needs_reauthorisation (ConnectionResolver.run) so the company's next jobs wait.
 */
export const isJobLevelErpError = (err: unknown): boolean => err instanceof ErpError && (err.kind === 'auth' || err.kind === 'configuration');
