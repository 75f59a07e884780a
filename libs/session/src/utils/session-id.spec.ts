import { generateSessionId, isSessionIdShaped, SessionIdSigner } from './session-id.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);

describe('session ids', () => {
  it('are 192 random bits in 32 base64url characters, and unique', () => {
    const ids = new Set(Array.from({ length: 10_000 }, generateSessionId));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(isSessionIdShaped(id)).toBe(true);
  });
});

describe('session id entropy', () => {
  it('100,000 ids are unique and their bytes pass a chi-square uniformity check', () => {
    const counts = new Array<number>(256).fill(0);
    const ids = new Set<string>();
    for (let i = 0; i < 100_000; i++) {
      const id = generateSessionId();
      ids.add(id);
      for (const byte of Buffer.from(id, 'base64url')) counts[byte]++;
    }
    expect(ids.size).toBe(100_000);
    const expected = (100_000 * 24) / 256;
    const chiSquare = counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    // 255 degrees of freedom: the 99.9th percentile is about 330; a uniform source stays below it
    // in all but one run in a thousand, a biased one (e.g. a byte never drawn) lands far above.
    expect(chiSquare).toBeLessThan(330);
  });
});

describe('SessionIdSigner', () => {
  const id = generateSessionId();
  const SID = { name: 'sid', path: '/' };

  it('verifies what it signed', () => {
    const signer = new SessionIdSigner([A], SID);
    expect(signer.verify(signer.sign(id))).toEqual({ id, keyIndex: 0 });
  });

  it.each([
    ['name', { name: 'other', path: '/' }],
    ['path', { name: 'sid', path: '/admin' }],
    ['domain', { name: 'sid', path: '/', domain: 'example.com' }],
  ])('refuses an id signed for a cookie of another %s, with the same secret', (_, cookie) => {
    expect(new SessionIdSigner([A], SID).verify(new SessionIdSigner([A], cookie).sign(id))).toBe(
      undefined,
    );
  });

  it('accepts every listed secret and says which one matched (rotation)', () => {
    const old = new SessionIdSigner([A], SID).sign(id);
    const rotated = new SessionIdSigner([B, A], SID);
    expect(rotated.verify(old)).toEqual({ id, keyIndex: 1 });
    expect(new SessionIdSigner([B], SID).verify(old)).toBeUndefined();
  });

  it('answers a value it verified before from its cache, and still refuses a one-character change', () => {
    const signer = new SessionIdSigner([A], SID);
    const good = signer.sign(id);
    expect(signer.verify(good)).toEqual({ id, keyIndex: 0 });
    expect(signer.verify(good)).toEqual({ id, keyIndex: 0 });
    expect(signer.verify(`${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`)).toBeUndefined();
  });

  it('refuses anything else', () => {
    const signer = new SessionIdSigner([A], SID);
    const good = signer.sign(id);
    const bad = [
      '',
      id,
      `${id}.`,
      `${id}.${'A'.repeat(43)}`,
      good.slice(0, -1),
      `${good}A`,
      `${good.slice(0, -1)}${good.endsWith('A') ? 'B' : 'A'}`,
      `x${good.slice(1)}`,
      `${good.slice(0, 32)}.${good.slice(33).replace(/./, '!')}`,
      `${id}.${good.slice(33)}=`,
    ];
    for (const value of bad) expect(signer.verify(value)).toBeUndefined();
  });
});
