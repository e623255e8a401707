/**
 * CRC32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum Cloud Storage keeps for every
 * object, composite ones included. Node's zlib.crc32 is CRC-32 (another polynomial), so this is
 * table-driven "slicing-by-8" (Intel, Kounavis & Berry 2008): eight bytes per step through eight
 * 256-entry tables, several times the byte-at-a-time loop (bench/crc32c.ts measures both).
 */

const POLY = 0x82f63b78;

/** T[k*256 + b]: the CRC of byte b followed by k zero bytes. */
const T = (() => {
  const table = new Int32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    table[b] = c;
  }
  for (let b = 0; b < 256; b++) {
    let c = table[b]!;
    for (let k = 1; k < 8; k++) {
      c = table[c & 0xff]! ^ (c >>> 8);
      table[k * 256 + b] = c;
    }
  }
  return table;
})();

/** Continues a CRC32C over `data` (start with 0); returns the new value as an unsigned 32-bit integer. */
export function crc32cUpdate(crc: number, data: Uint8Array): number {
  let c = ~crc;
  let i = 0;
  const end8 = data.length - (data.length & 7);
  for (; i < end8; i += 8) {
    c ^= data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    c =
      T[1792 + (c & 0xff)]! ^
      T[1536 + ((c >>> 8) & 0xff)]! ^
      T[1280 + ((c >>> 16) & 0xff)]! ^
      T[1024 + (c >>> 24)]! ^
      T[768 + data[i + 4]!]! ^
      T[512 + data[i + 5]!]! ^
      T[256 + data[i + 6]!]! ^
      T[data[i + 7]!]!;
  }
  for (; i < data.length; i++) c = T[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** A CRC32C as Cloud Storage spells it (x-goog-hash, object resource): base64 of 4 big-endian bytes. */
export function crc32cBase64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString('base64');
}
