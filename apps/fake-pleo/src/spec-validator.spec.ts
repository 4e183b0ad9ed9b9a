import path from 'node:path';
import { OpenApiSpec } from './spec-validator';

const spec = OpenApiSpec.load(path.join(__dirname, '..', 'specs', 'vendors-openapi.yml'));
const id = '123e4567-e89b-12d3-a456-426614174000';

describe('OpenApiSpec (Pleo vendors spec, unmodified)', () => {
  it('tells /v1/vendors/{id} from /v1/vendors/{id}:activate and /v1/vendors:search', () => {
    expect(spec.match('GET', `/v1/vendors/${id}`)?.operationId).toBe('getVendorById');
    expect(spec.match('POST', `/v1/vendors/${id}:activate`)).toMatchObject({ operationId: 'activateVendor', pathParams: { id } });
    expect(spec.match('POST', '/v1/vendors:search')?.operationId).toBe('searchVendors');
    expect(spec.match('DELETE', `/v1/vendors/${id}`)).toBeNull();
  });

  it('accepts a request the spec allows', () => {
    const op = spec.match('POST', `/v1/vendors/${id}:activate`)!;
    expect(spec.validateRequest(op, new URLSearchParams(), 'application/json', { externalId: 'x', code: 'V-1' })).toEqual([]);
  });

  it('finds what the spec does not allow', () => {
    const activate = spec.match('POST', '/v1/vendors/not-a-uuid:activate')!;
    const problems = spec.validateRequest(activate, new URLSearchParams(), 'application/json', { code: 7 });
    expect(problems.join('\n')).toMatch(/path parameter id .*uuid/);
    expect(problems.join('\n')).toMatch(/request body .*externalId/);
    expect(problems.join('\n')).toMatch(/request body\/code must be string/);

    const search = spec.match('POST', '/v1/vendors:search')!;
    expect(spec.validateRequest(search, new URLSearchParams(), 'application/json', {})).toContain('query parameter company_id is required');
    expect(spec.validateRequest(search, new URLSearchParams({ company_id: id, after: 'lower-case' }), 'application/json', {})[0]).toMatch(/after must match pattern/);
    expect(spec.validateRequest(spec.match('GET', `/v1/vendors/${id}`)!, new URLSearchParams(), undefined, { a: 1 })).toEqual([
      'this operation takes no request body',
    ]);
  });

  it('checks the fake’s own answers too', () => {
    const get = spec.match('GET', `/v1/vendors/${id}`)!;
    expect(spec.validateResponse(get, 200, { data: { id, companyId: id, name: 'n', defaultCurrency: 'EUR', state: 'DRAFT' } })).toEqual([]);
    expect(spec.validateResponse(get, 200, { data: { id } }).length).toBeGreaterThan(0);
    expect(spec.validateResponse(get, 418, undefined)).toEqual(['status 418 is not documented for getVendorById']);
  });
});
