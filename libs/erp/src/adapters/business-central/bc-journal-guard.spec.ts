import { randomUUID } from 'node:crypto';
import { isOurLine } from './bc-journal-guard';
import { entryMarker, paymentMarker } from './bc-mapping';
import { referenceCode } from './bc-odata';

describe('isOurLine: a journal line this service wrote (our code as External Document No., its marker closing the description)', () => {
  const line = (reference: string, description: string) => ({ id: randomUUID(), externalDocumentNumber: referenceCode(reference), description });

  it.each([randomUUID(), 'exp_123-A', 'x'.repeat(60)])('ours for the reference %s, a journal line or a payment', (reference) => {
    expect(isOurLine(line(reference, `Team lunch ${entryMarker(reference)}`))).toBe(true);
    expect(isOurLine(line(reference, `Pleo payment of PPI1 ${paymentMarker(reference)}`), true)).toBe(true);
  });

  it('not ours: a bookkeeper’s line, a marker of another code, a journal marker in the payment journal', () => {
    const reference = randomUUID();
    expect(isOurLine({ id: randomUUID(), externalDocumentNumber: 'BANKFEE', description: 'Bank fee [BANKFEE]' })).toBe(false);
    expect(isOurLine({ id: randomUUID(), externalDocumentNumber: 'INV-1', description: 'Rent' })).toBe(false);
    expect(isOurLine(line(reference, `Team lunch ${entryMarker(randomUUID())}`))).toBe(false);
    expect(isOurLine(line(reference, 'Team lunch, no marker'))).toBe(false);
    expect(isOurLine(line(reference, `Team lunch ${entryMarker(reference)}`), true)).toBe(false);
  });
});
