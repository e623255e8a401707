import fc from 'fast-check';
import { isBase64 } from '../../functions/invocation';

/** The rule as first written: strip whitespace, then the alphabet and at most two `=` at the end. */
const reference = (text: string) => /^[A-Za-z0-9+/_-]*={0,2}$/.test(text.replace(/\s+/g, ''));

describe('isBase64', () => {
  it('says what stripping whitespace and matching the alphabet says, in one pass', () => {
    const chars = fc.constantFrom(...'Ab9+/_-= \n\t\r=!.\u00a0\u2028%'.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        expect(isBase64(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
    expect(isBase64(Buffer.from('{"a":1}').toString('base64'))).toBe(true);
    expect(isBase64('%%% not base64 %%%')).toBe(false);
  });
});
