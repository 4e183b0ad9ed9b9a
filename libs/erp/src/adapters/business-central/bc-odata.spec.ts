import { eqFilter, keySegment, literal, query, referenceCode } from './bc-odata';

describe('OData literals and filters for Business Central', () => {
  it('doubles single quotes in strings and leaves GUIDs unquoted', () => {
    expect(literal("O'Brien's Café")).toBe("'O''Brien''s Café'");
    expect(literal("'; drop")).toBe("'''; drop'");
    expect(literal('0B7A3C1E-2D4F-4E6A-8B9C-0D1E2F3A4B5C', 'guid')).toBe('0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c');
    expect(() => literal("x') or (1 eq 1", 'guid')).toThrow(/not a GUID/);
    expect(literal(12.5)).toBe('12.5');
    expect(eqFilter([['displayName', "Müller & Söhne 'GmbH'"], ['vendorId', '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c', 'guid']])).toBe(
      "displayName eq 'Müller & Söhne ''GmbH''' and vendorId eq 0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c",
    );
  });

  it('encodes query values (ampersands, plus, hash) but keeps $ option names', () => {
    expect(query({ $filter: "displayName eq 'A&B + C#1'", $top: 1, $skip: undefined })).toBe("?$filter=displayName%20eq%20'A%26B%20%2B%20C%231'&$top=1");
    expect(keySegment('vendors', '0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c')).toBe('vendors(0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c)');
    expect(() => keySegment('vendors', "x'")).toThrow();
  });

  it('fits any reference into a Code[35] one-to-one', () => {
    expect(referenceCode('0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c')).toBe('0B7A3C1E2D4F4E6A8B9C0D1E2F3A4B5C');
    expect(referenceCode('ae-17')).toBe('RAE-17');
    const long = referenceCode(`ae-${'0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5c'}`);
    expect(long).toMatch(/^H[0-9A-F]{32}$/);
    expect(referenceCode(`ae-${'0b7a3c1e-2d4f-4e6a-8b9c-0d1e2f3a4b5d'}`)).not.toBe(long);
    expect(referenceCode("weird 'ref'")).toHaveLength(33);
  });
});
