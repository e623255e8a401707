import { randomBytes } from 'node:crypto';
import { CRC32C } from '@google-cloud/storage';
import { crc32cBase64, crc32cUpdate } from './crc32c';

describe('CRC32C (slicing-by-8)', () => {
  it('gives the standard check value for "123456789"', () => {
    expect(crc32cUpdate(0, Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cUpdate(0, Buffer.alloc(0))).toBe(0);
  });

  it('agrees with the Cloud Storage client on random data of every length mod 8, fed whole or in pieces', () => {
    for (let length = 0; length < 70; length++) {
      const data = randomBytes(length * 37 + (length % 8));
      const reference = new CRC32C();
      reference.update(data);
      expect(crc32cBase64(crc32cUpdate(0, data))).toBe(reference.toString());
      const cut = Math.floor(data.length / 3);
      expect(crc32cUpdate(crc32cUpdate(0, data.subarray(0, cut)), data.subarray(cut))).toBe(crc32cUpdate(0, data));
    }
  });
});
