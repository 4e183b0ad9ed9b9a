import { whereFilter } from './xero-where';

describe("the fake Xero's where filter", () => {
  const docs = [
    { Name: 'Acme "Intl"', Type: 'ACCPAY', Reference: 'BOOK-1 pleo:ae-1', Contact: { ContactID: 'AB12' } },
    { Name: 'Other', Type: 'ACCREC', Reference: 'pleo:ae-2', Contact: { ContactID: 'cd34' } },
  ];
  const names = (expr: string) => {
    const test = whereFilter(expr);
    if (typeof test === 'string') throw new Error(test);
    return docs.filter(test).map((d) => d.Name);
  };

  it('evaluates equality, string calls, guids and conjunctions', () => {
    expect(names('Name=="Acme \\"Intl\\""')).toEqual(['Acme "Intl"']);
    expect(names('Type=="ACCPAY"&&Reference.EndsWith("pleo:ae-1")')).toEqual(['Acme "Intl"']);
    expect(names('Reference.EndsWith("pleo:ae-")')).toEqual([]);
    expect(names('Contact.ContactID==Guid("ab12")')).toEqual(['Acme "Intl"']);
    expect(names('Type!="ACCPAY" AND Name.StartsWith("Oth")')).toEqual(['Other']);
  });

  it('refuses what it cannot evaluate instead of ignoring it', () => {
    expect(typeof whereFilter('Total > 10')).toBe('string');
  });
});
