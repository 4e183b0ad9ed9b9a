import { ConnectionRecord, PLEO_SECRET_NAMES } from '@app/connections';

/**
 * A connection as the admin API shows it. Secrets never leave: only whether each is set.
 */
export function connectionView(record: ConnectionRecord, erpSecretNames: readonly string[]) {
  const names = [...PLEO_SECRET_NAMES, ...erpSecretNames];
  return {
    id: record.id,
    companyId: record.companyId,
    name: record.name,
    erpKind: record.erpKind,
    erpSettings: record.erpSettings,
    booking: record.booking,
    pleo: { auth: record.pleo.auth, clientId: record.pleo.clientId ?? null },
    status: record.status,
    statusReason: record.statusReason,
    statusSide: record.statusSide,
    lastVerifiedAt: record.lastVerifiedAt,
    lastVerification: record.lastVerifiedAt ? { ok: record.lastVerificationOk, message: record.lastVerificationMessage } : null,
    secrets: Object.fromEntries(names.map((n) => [n, Boolean(record.secrets[n])])),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}
