import { ErpKindDefinition } from '../../erp-kind';
import { TrytonErpAdapter } from './tryton-erp.adapter';
import { TRYTON_SECRET_NAMES, parseTrytonSettings, trytonSettingsProblems } from './tryton-settings';

/** Tryton over JSON-RPC: settings url/database/user(/companyId/journal/invoiceJournal), secret password. */
export const trytonErpKind: ErpKindDefinition = {
  kind: 'tryton',
  secretNames: TRYTON_SECRET_NAMES,
  settingsProblems: trytonSettingsProblems,
  // trytond sets no request limits of its own (only on failed logins).
  rateLimits: () => null,
  build: (target, deps) => {
    if (!target.secrets.password) throw new Error('Tryton: the password is missing (TRYTON_PASSWORD / secret "password")');
    return new TrytonErpAdapter(parseTrytonSettings(target.settings), target.secrets.password, deps.fetch);
  },
};
