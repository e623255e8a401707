// The MessagePack subset Terraform's DynamicValue uses (cty's msgpack encoding), so the stand-in
// needs no msgpack package: nil, bool, int, float, str, bin, array, map, and ext (cty marks an
// unknown value as ext type 0, or 12 when it carries refinements). Ext values are kept as ExtData
// and re-encoded byte for byte. Large integers decode to Number (cty sends those as strings anyway).
'use strict';

class ExtData {
  constructor(type, data) {
    this.type = type;
    this.data = data;
  }
}

function decode(buf) {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const take = (n) => {
    if (pos + n > b.length) throw new Error(`msgpack: truncated at byte ${pos}`);
    const s = b.subarray(pos, pos + n);
    pos += n;
    return s;
  };
  const u8 = () => take(1)[0];
  const u16 = () => take(2).readUInt16BE(0);
  const u32 = () => take(4).readUInt32BE(0);
  const str = (n) => take(n).toString('utf8');
  const arr = (n) => Array.from({ length: n }, () => value());
  const map = (n) => {
    const o = {};
    for (let i = 0; i < n; i++) {
      const k = String(value());
      // defineProperty: a key such as "__proto__" is data, not the object's prototype.
      Object.defineProperty(o, k, { value: value(), enumerable: true, writable: true, configurable: true });
    }
    return o;
  };
  const ext = (n) => {
    const type = take(1).readInt8(0);
    return new ExtData(type, new Uint8Array(take(n)));
  };
  function value() {
    const t = u8();
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if (t >= 0x80 && t <= 0x8f) return map(t & 0x0f);
    if (t >= 0x90 && t <= 0x9f) return arr(t & 0x0f);
    if (t >= 0xa0 && t <= 0xbf) return str(t & 0x1f);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return Buffer.from(take(u8()));
      case 0xc5:
        return Buffer.from(take(u16()));
      case 0xc6:
        return Buffer.from(take(u32()));
      case 0xc7:
        return ext(u8());
      case 0xc8:
        return ext(u16());
      case 0xc9:
        return ext(u32());
      case 0xca:
        return take(4).readFloatBE(0);
      case 0xcb:
        return take(8).readDoubleBE(0);
      case 0xcc:
        return u8();
      case 0xcd:
        return u16();
      case 0xce:
        return u32();
      case 0xcf:
        return Number(take(8).readBigUInt64BE(0));
      case 0xd0:
        return take(1).readInt8(0);
      case 0xd1:
        return take(2).readInt16BE(0);
      case 0xd2:
        return take(4).readInt32BE(0);
      case 0xd3:
        return Number(take(8).readBigInt64BE(0));
      case 0xd4:
        return ext(1);
      case 0xd5:
        return ext(2);
      case 0xd6:
        return ext(4);
      case 0xd7:
        return ext(8);
      case 0xd8:
        return ext(16);
      case 0xd9:
        return str(u8());
      case 0xda:
        return str(u16());
      case 0xdb:
        return str(u32());
      case 0xdc:
        return arr(u16());
      case 0xdd:
        return arr(u32());
      case 0xde:
        return map(u16());
      case 0xdf:
        return map(u32());
      default:
        throw new Error(`msgpack: unsupported type byte 0x${t.toString(16)} at ${pos - 1}`);
    }
  }
  const v = value();
  if (pos !== b.length) throw new Error(`msgpack: ${b.length - pos} trailing bytes`);
  return v;
}

function encode(v) {
  const parts = [];
  const head = (bytes) => parts.push(Buffer.from(bytes));
  const sized = (n, small, tags) => {
    // tags: [8-bit, 16-bit, 32-bit] length markers; small: fix-form base and its limit
    if (small && n <= small[1]) return head([small[0] | n]);
    if (tags[0] !== null && n <= 0xff) return head([tags[0], n]);
    if (n <= 0xffff) return head([tags[1], n >> 8, n & 0xff]);
    const b = Buffer.alloc(5);
    b[0] = tags[2];
    b.writeUInt32BE(n, 1);
    parts.push(b);
  };
  const num = (n) => {
    if (Number.isInteger(n) && Number.isSafeInteger(n)) {
      if (n >= 0 && n <= 0x7f) return head([n]);
      if (n < 0 && n >= -32) return head([n & 0xff]);
      const b = Buffer.alloc(9);
      b[0] = 0xd3;
      b.writeBigInt64BE(BigInt(n), 1);
      return parts.push(b);
    }
    const b = Buffer.alloc(9);
    b[0] = 0xcb;
    b.writeDoubleBE(n, 1);
    parts.push(b);
  };
  const ext = (e) => {
    const n = e.data.length;
    const fixed = { 1: 0xd4, 2: 0xd5, 4: 0xd6, 8: 0xd7, 16: 0xd8 }[n];
    if (fixed) head([fixed]);
    else sized(n, null, [0xc7, 0xc8, 0xc9]);
    const t = Buffer.alloc(1);
    t.writeInt8(e.type, 0);
    parts.push(t, Buffer.from(e.data));
  };
  function value(x) {
    if (x === null || x === undefined) return head([0xc0]);
    if (x === true) return head([0xc3]);
    if (x === false) return head([0xc2]);
    if (typeof x === 'number') return num(x);
    if (typeof x === 'string') {
      const s = Buffer.from(x, 'utf8');
      sized(s.length, [0xa0, 31], [0xd9, 0xda, 0xdb]);
      return parts.push(s);
    }
    if (x instanceof ExtData) return ext(x);
    if (x instanceof Uint8Array) {
      sized(x.length, null, [0xc4, 0xc5, 0xc6]);
      return parts.push(Buffer.from(x));
    }
    if (Array.isArray(x)) {
      sized(x.length, [0x90, 15], [null, 0xdc, 0xdd]);
      return x.forEach(value);
    }
    if (typeof x === 'object') {
      const keys = Object.keys(x);
      sized(keys.length, [0x80, 15], [null, 0xde, 0xdf]);
      for (const k of keys) {
        value(k);
        value(x[k]);
      }
      return undefined;
    }
    throw new Error(`msgpack: cannot encode ${typeof x}`);
  }
  value(v);
  return Buffer.concat(parts);
}

module.exports = { encode, decode, ExtData };
