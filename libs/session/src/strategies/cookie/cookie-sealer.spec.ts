import { CookieSealer } from './cookie-sealer.js';

const SID = { name: 'sid', path: '/' };

const A = 'a-first-secret-that-is-long-enough-0123456789';
const B = 'a-second-secret-that-is-long-enough-012345678';
const plaintext = new Uint8Array(Buffer.from('{"hello":"world"}'));

function headerOf(value: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(value.split('.')[0], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe('CookieSealer', () => {
  it('seals a compact JWE (dir, A256GCM, kid) that unseals to the plaintext', async () => {
    const sealer = await CookieSealer.create([A], SID);
    const value = await sealer.seal(plaintext);
    expect(value.split('.')).toHaveLength(5);
    expect(headerOf(value)).toEqual({ alg: 'dir', enc: 'A256GCM', kid: sealer.currentKid });
    const unsealed = await sealer.unseal(value);
    expect(Buffer.from(unsealed!.plaintext).toString()).toBe('{"hello":"world"}');
    expect(unsealed!.keyIndex).toBe(0);
  });

  it('uses a fresh IV per seal: the same plaintext never seals to the same value', async () => {
    const sealer = await CookieSealer.create([A], SID);
    const values = await Promise.all(Array.from({ length: 20 }, () => sealer.seal(plaintext)));
    expect(new Set(values).size).toBe(20);
    expect(new Set(values.map((value) => value.split('.')[2])).size).toBe(20);
  });

  it('has one kid per secret and per cookie (name, path, domain), revealing neither', async () => {
    const kids = await Promise.all(
      (
        [
          [[A], SID],
          [[B], SID],
          [[A], { name: 'other', path: '/' }],
          [[A], { name: 'sid', path: '/admin' }],
          [[A], { name: 'sid', path: '/', domain: 'example.com' }],
        ] as const
      ).map(async ([secrets, cookie]) => (await CookieSealer.create(secrets, cookie)).currentKid),
    );
    expect(new Set(kids).size).toBe(5);
    for (const kid of kids) {
      expect(kid).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(A).not.toContain(kid);
      expect(B).not.toContain(kid);
    }
  });

  it('rotation: the first secret seals, every listed one unseals, a removed one does not', async () => {
    const oldOnly = await CookieSealer.create([A], SID);
    const rotated = await CookieSealer.create([B, A], SID);
    const newOnly = await CookieSealer.create([B], SID);
    const old = await oldOnly.seal(plaintext);
    expect((await rotated.unseal(old))?.keyIndex).toBe(1);
    expect(await newOnly.unseal(old)).toBeUndefined();
    const current = await rotated.seal(plaintext);
    expect(headerOf(current).kid).toBe(newOnly.currentKid);
    expect((await newOnly.unseal(current))?.keyIndex).toBe(0);
  });

  it.each([
    ['name', { name: 'other', path: '/' }],
    ['path', { name: 'sid', path: '/admin' }],
    ['domain', { name: 'sid', path: '/', domain: 'other.example.com' }],
  ])('a value sealed for a cookie of another %s does not unseal', async (_, cookie) => {
    const other = await CookieSealer.create([A], cookie);
    const sid = await CookieSealer.create([A], SID);
    expect(await sid.unseal(await other.seal(plaintext))).toBeUndefined();
  });

  it('a domain names the same cookie whatever its case or leading dot', async () => {
    const plain = await CookieSealer.create([A], { ...SID, domain: 'example.com' });
    const dotted = await CookieSealer.create([A], { ...SID, domain: '.Example.COM' });
    expect(dotted.currentKid).toBe(plain.currentKid);
  });

  it('refuses a non-canonical base64url twin of a valid value', async () => {
    const sealer = await CookieSealer.create([A], SID);
    const value = await sealer.seal(plaintext);
    const parts = value.split('.');
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    // A 16-byte tag is 22 characters: the last one has 4 spare bits.
    const tag = parts[4];
    const twin = tag.slice(0, -1) + alphabet[alphabet.indexOf(tag[21]) ^ 1];
    expect(Buffer.from(twin, 'base64url')).toEqual(Buffer.from(tag, 'base64url'));
    expect(await sealer.unseal([...parts.slice(0, 4), twin].join('.'))).toBeUndefined();
  });

  it('never throws, whatever it is given', async () => {
    const sealer = await CookieSealer.create([A], SID);
    for (const junk of [
      '',
      '.',
      '....',
      'a.b.c.d.e',
      'e30..AAAA.AAAA.AAAA',
      '\u0000',
      '%%%%',
      'x'.repeat(20_000),
    ]) {
      await expect(sealer.unseal(junk)).resolves.toBeUndefined();
    }
  });
});
