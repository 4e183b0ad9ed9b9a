import { validateItem } from './item-validation';

const companyId = '11111111-1111-4111-8111-111111111111';
const money = { inSupplierCurrency: { value: 100, currency: 'EUR' }, inWalletCurrency: { value: 100, currency: 'EUR' } };
const good = () => ({
  accountingEntryId: '22222222-2222-4222-8222-222222222222',
  companyId,
  date: '2026-11-20T10:15:00Z',
  type: 'card_purchase',
  amount: money,
  additionalInformation: { reconciliationId: 'B-1' },
  accountingEntryLines: [{ accountingEntryLineId: 'x', lineAmount: money, netAmount: money }],
});

describe('validateItem (R3)', () => {
  it('accepts a well-formed item', () => expect(validateItem(good(), companyId)).toBeNull());

  it('compares the company id in any letter case (a uuid is a uuid)', () => {
    const company = 'abcdef12-3456-4789-8abc-def012345678';
    expect(validateItem({ ...good(), companyId: company.toUpperCase() }, company)).toBeNull();
    expect(validateItem({ ...good(), companyId: company }, company.toUpperCase())).toBeNull();
  });

  it.each([
    ['a non-UUID accountingEntryId', { accountingEntryId: 'not-a-uuid' }, 'invalid accountingEntryId'],
    ['another company', { companyId: '33333333-3333-4333-8333-333333333333' }, "not the export job's company"],
    ['an impossible date', { date: '2025-13-45T00:00:00Z' }, 'invalid date'],
    ['a null date', { date: null }, 'invalid date'],
    ['a null amount', { amount: null }, 'no amount'],
    ['a missing type', { type: undefined }, 'no type'],
    ['null lines', { accountingEntryLines: null }, 'no accounting lines'],
    ['a line without amount', { accountingEntryLines: [{ lineAmount: null }] }, 'no amount on line 1'],
    ['a null tax amount', { accountingEntryLines: [{ lineAmount: money, tax: { rate: 0.25, type: 'inclusive', amount: null } }] }, 'invalid tax on line 1'],
    ['null additional information', { additionalInformation: null }, 'no additional information'],
  ])('R3: %s → validation_failure', (_, patch, reason) => {
    expect(validateItem({ ...good(), ...patch }, companyId)).toEqual({ type: 'validation_failure', reason: expect.stringContaining(reason) });
  });
});
