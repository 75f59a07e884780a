import { ADAPTERS } from '../support/adapters.js';
import type { HttpClient } from '../support/http-client.js';
import {
  incompressible,
  sessionCookies,
  startCookieSample,
  type CookieSample,
} from './support/cookie-sample.js';

/** Bytes the browser sends back for the session (`name=value; …`). */
function sentBytes(client: HttpClient): number {
  return [...sessionCookies(client)].reduce(
    (total, [name, value]) => total + name.length + 1 + value.length,
    0,
  );
}

describe.each(ADAPTERS)(
  'cookie strategy: size, chunking and compression ($name)',
  ({ name: adapter }) => {
    let sample: CookieSample;
    let compressed: CookieSample;

    beforeAll(async () => {
      [sample, compressed] = await Promise.all([
        startCookieSample(adapter, { sessionOverrides: { cookie: { maxChunks: 3 } } }),
        startCookieSample(adapter, {
          sessionOverrides: { cookie: { maxChunks: 3, compress: true } },
        }),
      ]);
    });
    afterAll(() => Promise.all([sample?.close(), compressed?.close()]));

    it('a session that outgrows one cookie is chunked, every Set-Cookie within 4096 bytes, and reads back', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      expect([...sessionCookies(client).keys()]).toEqual(['sid']);
      const blob = incompressible(5000);
      const grow = await client.put('/api/data/blob', { value: blob });
      expect(grow.status).toBe(200);
      expect(grow.setCookies.map((header) => header.split('=')[0])).toEqual([
        'sid.0',
        'sid.1',
        'sid',
      ]);
      expect(grow.setCookies[2]).toMatch(/^sid=; Max-Age=0;/);
      for (const header of grow.setCookies)
        expect(Buffer.byteLength(header)).toBeLessThanOrEqual(4096);
      expect([...sessionCookies(client).keys()].sort()).toEqual(['sid.0', 'sid.1']);
      expect(client.jar.get('sid.0')).toMatch(/^2~eyJ/);
      const read = await client.get('/api/session');
      expect(read.setCookies).toEqual([]);
      expect(read.body).toMatchObject({ counter: 1, data: { blob } });
    });

    it('shrinking clears the stale chunks, down to one cookie', async () => {
      const client = sample.client();
      await client.put('/api/data/blob', { value: incompressible(7000, 2) });
      expect([...sessionCookies(client).keys()].sort()).toEqual(['sid.0', 'sid.1', 'sid.2']);
      const two = await client.put('/api/data/blob', { value: incompressible(5000, 3) });
      expect(two.setCookies.map((header) => header.split('=')[0])).toEqual([
        'sid.0',
        'sid.1',
        'sid.2',
      ]);
      expect(two.setCookies[2]).toMatch(/^sid\.2=; Max-Age=0;/);
      expect([...sessionCookies(client).keys()].sort()).toEqual(['sid.0', 'sid.1']);
      const one = await client.put('/api/data/blob', { value: 'small' });
      expect(one.setCookies.map((header) => header.split('=')[0])).toEqual([
        'sid',
        'sid.0',
        'sid.1',
      ]);
      expect([...sessionCookies(client).keys()]).toEqual(['sid']);
      expect((await client.get('/api/session')).body.data).toEqual({ blob: 'small' });
    });

    it('past cookie.maxChunks: 500, logged with the route, no cookie sent, the previous session intact', async () => {
      const client = sample.client();
      await client.put('/api/data/keep', { value: 'me' });
      const before = new Map(client.jar);
      const errorsBefore = sample.logger.errors.length;
      const tooBig = await client.put('/api/data/blob', { value: incompressible(14_000, 4) });
      expect(tooBig.status).toBe(500);
      expect(tooBig.setCookies).toEqual([]);
      expect(client.jar).toEqual(before);
      const logged = sample.logger.errors.slice(errorsBefore).join('\n');
      expect(logged).toMatch(
        /Session commit failed on PUT \/api\/data\/blob: the sealed session needs \d+ bytes, more than the \d+ bytes that cookie\.maxChunks = 3/,
      );
      expect((await client.get('/api/session')).body.data).toEqual({ keep: 'me' });
    });

    it('compression makes a compressible session smaller (one cookie instead of two) and reads back', async () => {
      const value = Array.from({ length: 120 }, (_, index) => ({
        item: `product-${index % 7}`,
        quantity: 1,
      }));
      const plain = sample.client();
      const deflated = compressed.client();
      await plain.put('/api/data/cart', { value });
      await deflated.put('/api/data/cart', { value });
      expect([...sessionCookies(plain).keys()].sort()).toEqual(['sid.0', 'sid.1']);
      expect([...sessionCookies(deflated).keys()]).toEqual(['sid']);
      expect(sentBytes(deflated)).toBeLessThan(sentBytes(plain) / 4);
      expect((await deflated.get('/api/session')).body.data).toEqual({ cart: value });
    });
  },
);
