import { deflateRawSync } from 'node:zlib';
import type { SessionRecord } from '../../session-store.interface.js';
import { MAX_PAYLOAD_BYTES } from './cookie.constants.js';
import { decodePayload, encodePayload, PayloadTooLargeError } from './cookie-payload.js';

const ID = 'A'.repeat(32);
const record: SessionRecord = {
  // As the core writes them: JSON.stringify of each value.
  data: {
    counter: JSON.stringify(3),
    cart: JSON.stringify([{ sku: 'a"b', qty: 1 }]),
    name: JSON.stringify('Zoë \u2028 \ud800 </script>'),
    empty: JSON.stringify({}),
    nothing: JSON.stringify(null),
  },
  principal: 'alice',
  createdAt: 1_700_000_000_000,
  expiresAt: 1_700_000_060_000,
  absoluteExpiresAt: 1_700_000_600_000,
};

describe('cookie payload', () => {
  it('round-trips the session, each value as the same JSON text the core wrote', () => {
    for (const compress of [false, true]) {
      const decoded = decodePayload(encodePayload({ id: ID, record, lastAccessedAt: 5 }, compress));
      expect(decoded).toEqual({ id: ID, record, lastAccessedAt: 5 });
    }
  });

  it('splices values in as JSON rather than quoting them again', () => {
    const plain = Buffer.from(encodePayload({ id: ID, record, lastAccessedAt: 5 }, false));
    expect(plain[0]).toBe(1);
    expect(plain.subarray(1).toString()).toContain('"cart":[{"sku":"a\\"b","qty":1}]');
  });

  it('an anonymous session has no principal field', () => {
    const anonymous = { ...record, principal: undefined };
    const decoded = decodePayload(
      encodePayload({ id: ID, record: anonymous, lastAccessedAt: 5 }, false),
    );
    expect(decoded?.record.principal).toBeUndefined();
  });

  it('deflates only when that makes the payload smaller, and says so in the envelope', () => {
    const compressible = { ...record, data: { text: JSON.stringify('abc'.repeat(500)) } };
    const deflated = encodePayload({ id: ID, record: compressible, lastAccessedAt: 5 }, true);
    const plain = encodePayload({ id: ID, record: compressible, lastAccessedAt: 5 }, false);
    expect(deflated[0]).toBe(2);
    expect(deflated.length).toBeLessThan(plain.length / 10);

    const tiny = { ...record, data: {}, principal: undefined };
    const json = Buffer.from(
      encodePayload({ id: ID, record: tiny, lastAccessedAt: 5 }, false),
    ).subarray(1);
    const tinyDeflated = encodePayload({ id: ID, record: tiny, lastAccessedAt: 5 }, true);
    expect(tinyDeflated[0]).toBe(deflateRawSync(json).length < json.length ? 2 : 1);
    expect(tinyDeflated.length).toBeLessThanOrEqual(json.length + 1);
  });

  it('refuses to seal more than the payload limit', () => {
    const huge = { ...record, data: { blob: JSON.stringify('x'.repeat(MAX_PAYLOAD_BYTES)) } };
    expect(() => encodePayload({ id: ID, record: huge, lastAccessedAt: 5 }, true)).toThrow(
      PayloadTooLargeError,
    );
  });

  it.each([
    ['an unknown envelope', Buffer.from([9, 0x7b, 0x7d])],
    ['an empty plaintext', Buffer.alloc(0)],
    ['not JSON', Buffer.concat([Buffer.of(1), Buffer.from('{nope')])],
    ['an array', Buffer.concat([Buffer.of(1), Buffer.from('[]')])],
    [
      'a format of a later release',
      Buffer.concat([Buffer.of(3), Buffer.from(`{"i":"${ID}","c":1,"a":1,"e":1,"x":1,"d":{}}`)]),
    ],
    [
      'a bad id',
      Buffer.concat([Buffer.of(1), Buffer.from('{"i":"short","c":1,"a":1,"e":1,"x":1,"d":{}}')]),
    ],
    [
      'a missing time',
      Buffer.concat([Buffer.of(1), Buffer.from(`{"i":"${ID}","c":1,"a":1,"e":1,"d":{}}`)]),
    ],
    [
      'a numeric principal',
      Buffer.concat([
        Buffer.of(1),
        Buffer.from(`{"i":"${ID}","p":5,"c":1,"a":1,"e":1,"x":1,"d":{}}`),
      ]),
    ],
    [
      'data as an array',
      Buffer.concat([Buffer.of(1), Buffer.from(`{"i":"${ID}","c":1,"a":1,"e":1,"x":1,"d":[]}`)]),
    ],
    ['corrupt deflate', Buffer.from([2, 1, 2, 3, 4])],
    [
      'a deflate bomb',
      Buffer.concat([Buffer.of(2), deflateRawSync(Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20))]),
    ],
  ])('%s is not a payload', (_label, plaintext) => {
    expect(decodePayload(new Uint8Array(plaintext))).toBeUndefined();
  });

  it('ignores a "__proto__" data key instead of changing the prototype', () => {
    const json = `{"i":"${ID}","c":1,"a":1,"e":1,"x":1,"d":{"__proto__":{"polluted":true},"ok":1}}`;
    const decoded = decodePayload(new Uint8Array(Buffer.concat([Buffer.of(1), Buffer.from(json)])));
    expect(decoded?.record.data).toEqual({ ok: '1' });
    expect(Object.getPrototypeOf(decoded?.record.data)).toBe(Object.prototype);
  });
});
