import { createHash } from 'node:crypto';
import { CompactEncrypt } from 'jose';
import { ADAPTERS } from '../support/adapters.js';
import { TEST_SECRET } from '../support/sample-app.js';
import { derivedKey } from '../support/signing.js';
import {
  chunkMutations,
  jweMutations,
  valueMutations,
  type CookieMutation,
} from './support/cookie-mutations.js';
import {
  incompressible,
  sessionCookies,
  startCookieSample,
  type CookieSample,
} from './support/cookie-sample.js';

/** The sealing key and kid of a secret for a cookie at path `/`, derived as the package derives it. */
function sealingKey(secret: string, cookieName: string): { key: Uint8Array; kid: string } {
  const key = new Uint8Array(derivedKey(secret, 'cookie-seal/v1', { name: cookieName, path: '/' }));
  return { key, kid: createHash('sha256').update(key).digest('base64url').slice(0, 8) };
}

/** A payload as the strategy seals it: format byte 1, then JSON with times after `c` as offsets. */
function payload(
  now: number,
  principal: string,
  overrides: Record<string, unknown> = {},
): Uint8Array {
  const json = JSON.stringify({
    i: 'F'.repeat(32),
    p: principal,
    c: now,
    a: 0,
    e: 60_000,
    x: 600_000,
    d: {},
    ...overrides,
  });
  return Buffer.concat([Buffer.of(1), Buffer.from(json)]);
}

function cookieHeader(cookies: Record<string, string>): string {
  return Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');
}

describe.each(ADAPTERS)(
  'cookie strategy: tampered cookies are "no session" ($name)',
  ({ name: adapter }) => {
    let sample: CookieSample;
    let otherName: CookieSample;
    let single: string;
    let chunks: Record<string, string>;
    let otherChunks: Record<string, string>;
    let fromOtherCookieName: string;

    beforeAll(async () => {
      [sample, otherName] = await Promise.all([
        startCookieSample(adapter, { sessionOverrides: { cookie: { maxChunks: 3 } } }),
        startCookieSample(adapter, { sessionOverrides: { cookie: { name: 'other' } } }),
      ]);
      const small = sample.client();
      await small.put('/api/data/color', { value: 'blue' });
      await small.post('/api/login', { username: 'mallory-target' });
      single = small.jar.get('sid')!;

      const large = sample.client();
      await large.post('/api/login', { username: 'large' });
      await large.put('/api/data/blob', { value: incompressible(5000, 7) });
      chunks = Object.fromEntries(sessionCookies(large));
      const another = sample.client();
      await another.put('/api/data/blob', { value: incompressible(5000, 8) });
      otherChunks = Object.fromEntries(sessionCookies(another));

      const elsewhere = otherName.client();
      await elsewhere.post('/api/login', { username: 'mallory-target' });
      fromOtherCookieName = elsewhere.jar.get('other')!;
    });
    afterAll(() => Promise.all([sample?.close(), otherName?.close()]));

    /** GET /api/session with exactly these cookies. */
    async function read(cookies: Record<string, string>) {
      const response = await fetch(`${sample.url}/api/session`, {
        headers: { cookie: cookieHeader(cookies) },
      });
      return {
        status: response.status,
        setCookie: response.headers.getSetCookie(),
        body: (await response.json()) as unknown,
      };
    }

    it('the unmutated cookies are valid (the mutations start from accepted values)', async () => {
      expect(Object.keys(chunks).sort()).toEqual(['sid.0', 'sid.1']);
      expect((await read({ sid: single })).body).toMatchObject({
        user: 'mallory-target',
        data: { color: 'blue' },
      });
      expect((await read(chunks)).body).toMatchObject({ user: 'large' });
      expect((await read(otherChunks)).body).toMatchObject({
        user: null,
        data: { blob: expect.any(String) },
      });
    });

    it('more than 1000 mutations: none accepted, none an error, nothing sealed', async () => {
      const cases: CookieMutation[] = [
        ...valueMutations(single, 'sid', 11),
        ...jweMutations(single, 'sid'),
        ...chunkMutations(chunks, otherChunks, 'sid', 12),
        { label: 'a value sealed for another cookie name', cookies: { sid: fromOtherCookieName } },
        {
          label: 'another cookie name, chunk form',
          cookies: {
            'sid.0': `2~${fromOtherCookieName.slice(0, 100)}`,
            'sid.1': fromOtherCookieName.slice(100),
          },
        },
      ];
      expect(cases.length).toBeGreaterThanOrEqual(1000);
      const sealsBefore = sample.strategy.counters.seals;
      const errorsBefore = sample.logger.errors.length;
      const failures: string[] = [];
      // A few at a time over keep-alive connections: quick, and still one request per case.
      for (let start = 0; start < cases.length; start += 8) {
        await Promise.all(
          cases.slice(start, start + 8).map(async ({ label, cookies }) => {
            const response = await read(cookies);
            const anonymous = {
              node: `cookie-${adapter}`,
              strategy: 'cookie',
              user: null,
              counter: 0,
              data: {},
            };
            if (
              response.status !== 200 ||
              response.setCookie.length > 0 ||
              JSON.stringify(response.body) !== JSON.stringify(anonymous)
            ) {
              failures.push(
                `${label}: ${response.status} ${JSON.stringify(response.body).slice(0, 120)}`,
              );
            }
          }),
        );
      }
      expect(failures).toEqual([]);
      expect(sample.strategy.counters.seals).toBe(sealsBefore);
      expect(sample.logger.errors.slice(errorsBefore)).toEqual([]);
    });

    describe('forgeries with the real key are refused unless they are exactly what the strategy seals', () => {
      const now = Date.now();

      it('control: dir + A256GCM with the right kid and payload is accepted', async () => {
        const { key, kid } = sealingKey(TEST_SECRET, 'sid');
        const jwe = await new CompactEncrypt(payload(now, 'control'))
          .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
          .encrypt(key);
        expect((await read({ sid: jwe })).body).toMatchObject({ user: 'control' });
      });

      const forgeries: [string, () => Promise<string>][] = [
        [
          'A256GCMKW key wrapping',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x'))
              .setProtectedHeader({ alg: 'A256GCMKW', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'A256KW key wrapping',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x'))
              .setProtectedHeader({ alg: 'A256KW', enc: 'A128GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'zip DEF header',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x'))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid, zip: 'DEF' })
              .encrypt(key);
          },
        ],
        [
          'the raw secret as the key',
          async () => {
            const key = Buffer.from(TEST_SECRET).subarray(0, 32);
            const { kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x'))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'no envelope byte',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x').subarray(1))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'unknown payload format',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            const unknownFormat = payload(now, 'x');
            unknownFormat[0] = 3;
            return new CompactEncrypt(unknownFormat)
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'idle-expired payload',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now - 120_000, 'x'))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'absolutely expired payload',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now - 700_000, 'x', { e: 800_000 }))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'a malformed session id',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'sid');
            return new CompactEncrypt(payload(now, 'x', { i: 'short' }))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
        [
          'the key of another cookie name',
          async () => {
            const { key, kid } = sealingKey(TEST_SECRET, 'other');
            return new CompactEncrypt(payload(now, 'x'))
              .setProtectedHeader({ alg: 'dir', enc: 'A256GCM', kid })
              .encrypt(key);
          },
        ],
      ];

      it.each(forgeries)('%s', async (_label, forge) => {
        const response = await read({ sid: await forge() });
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ user: null, counter: 0, data: {} });
        expect(response.setCookie).toEqual([]);
      });
    });

    it('a write with a tampered cookie starts a fresh session with a new id', async () => {
      const client = sample.client();
      client.jar.set('sid', single.slice(0, -3) + (single.endsWith('AAA') ? 'BBB' : 'AAA'));
      const write = await client.post('/api/counter');
      expect(write.status).toBe(200);
      expect(write.body.counter).toBe(1);
      expect((await client.get('/api/session')).body).toMatchObject({
        user: null,
        counter: 1,
        data: {},
      });
    });
  },
);
