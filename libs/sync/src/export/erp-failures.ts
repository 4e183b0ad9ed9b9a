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
