import vendorCreated from '../../../../test/fixtures/vendor-created.json';
import exportJobCreated from '../../../../test/fixtures/export-job-created.json';
import seedDoc from '../../../../test/fixtures/export-job-created.seed-doc.json';
import { InvalidEnvelope, parseWebhookEnvelope } from './webhook-envelope';

function invalid(body: unknown): string[] {
  try {
    parseWebhookEnvelope(body);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEnvelope);
    return (err as InvalidEnvelope).details;
  }
  throw new Error('expected the envelope to be rejected');
}

describe('parseWebhookEnvelope', () => {
  it('accepts the vendor-created sample', () => {
    expect(parseWebhookEnvelope(vendorCreated)).toMatchObject({
      kind: 'vendor-created',
      eventType: 'v1.vendor.created',
      eventId: vendorCreated.eventId,
      subjectId: vendorCreated.data.id,
      companyId: vendorCreated.data.companyId,
    });
  });

  it('accepts the export-job-created sample', () => {
    expect(parseWebhookEnvelope(exportJobCreated)).toMatchObject({
      kind: 'export-job-created',
      subjectId: exportJobCreated.data.id,
    });
  });

  it('accepts the seed-doc export sample whose data is a vendor (only id and companyId are used)', () => {
    expect(parseWebhookEnvelope(seedDoc)).toMatchObject({
      kind: 'export-job-created',
      subjectId: seedDoc.data.id,
      companyId: seedDoc.data.companyId,
    });
  });

  it('accepts the headline spelling of the export event', () => {
    const body = { ...exportJobCreated, eventType: 'v1.export.job-created' };
    expect(parseWebhookEnvelope(body).kind).toBe('export-job-created');
  });

  it('accepts unknown event types without looking into data', () => {
    expect(parseWebhookEnvelope({ data: {}, eventId: 'e1', eventType: 'v9.something.new' })).toMatchObject({
      kind: null,
      companyId: null,
      subjectId: null,
    });
  });

  it.each([null, [], 'text', 42])('rejects the non-object body %p', (body) => {
    expect(invalid(body)[0]).toContain('JSON object');
  });

  it('lists every envelope problem', () => {
    const details = invalid({ data: 'x', eventId: 3 });
    expect(details).toEqual(
      expect.arrayContaining(['data must be an object', 'eventId must be a string', 'eventType must be a string']),
    );
  });

  it('rejects a known event without a usable data.id / data.companyId', () => {
    const details = invalid({ ...vendorCreated, data: { ...vendorCreated.data, id: 'not-a-uuid', companyId: undefined } });
    expect(details).toEqual(expect.arrayContaining(['data.id must be a UUID', 'data.companyId must be a UUID']));
  });
});
