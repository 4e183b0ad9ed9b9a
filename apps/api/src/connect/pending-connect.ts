import { ConnectionRecord, ConnectionSide } from '@app/connections';

/**
 * The side of a stored connection that still waits for a person to run its connect flow: Pleo OAuth
 * without its refresh-token chain, or Xero (authorization_code) without a chain or without the
 * organisation chosen. null when neither waits.
 */
export function pendingConnectFlow(record: ConnectionRecord): { side: ConnectionSide; reason: string } | null {
  if (record.pleo.auth === 'oauth' && !record.secrets.pleoRefreshToken) {
    return { side: 'pleo', reason: `Not connected to Pleo yet: run the connect flow (POST /admin/connections/${record.id}/connect).` };
  }
  if (record.erpKind === 'xero' && record.erpSettings.grantType !== 'client_credentials') {
    if (!record.secrets.refreshToken) return { side: 'erp', reason: `Not connected to Xero yet: run the connect flow (POST /admin/connections/${record.id}/connect/xero).` };
    if (!record.erpSettings.tenantId) return { side: 'erp', reason: `Xero is connected but no organisation is chosen: finish the connect flow (or run it again: POST /admin/connections/${record.id}/connect/xero).` };
  }
  return null;
}
