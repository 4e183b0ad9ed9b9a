import { defaultDecision } from './default-connection-rule';
import { ConnectionRecord } from './connection.types';

const company = '0b6f1f3e-5f8a-4c1e-9d3b-2a7c1e4f5a6b';
const deleted = { id: 'c1', companyId: company, name: 'Old books' } as ConnectionRecord;

describe('defaultDecision: who the environment default serves', () => {
  it('with PLEO_COMPANY_IDS empty: a company that never had a connection', () => {
    expect(defaultDecision(company, [], null)).toEqual({ serve: true });
  });

  it('with PLEO_COMPANY_IDS empty: not a company whose connection was deleted (it waits)', () => {
    expect(defaultDecision(company, [], deleted)).toEqual({ serve: false, deleted });
  });

  it('with PLEO_COMPANY_IDS set: only the listed companies, in any letter case', () => {
    expect(defaultDecision(company, [company.toUpperCase()], null)).toEqual({ serve: true });
    expect(defaultDecision(company.toUpperCase(), [company], null)).toEqual({ serve: true });
    expect(defaultDecision(company, ['7d3c2b1a-0000-4000-8000-000000000000'], null)).toEqual({ serve: false });
  });

  it('with PLEO_COMPANY_IDS set: an explicit listing serves a company whose connection was deleted', () => {
    expect(defaultDecision(company, [company], deleted)).toEqual({ serve: true });
  });
});
