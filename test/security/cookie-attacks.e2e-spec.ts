import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { jweMutations } from '../cookie/support/cookie-mutations.js';
import {
  sessionCookies,
  startCookieSample,
  type CookieSample,
} from '../cookie/support/cookie-sample.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { startSample, type RunningSample } from '../support/sample-app.js';

// Cookie attacks, each with the refusal expected: "no session" (an anonymous visitor, never an
// error). Tampering and truncation at every position, and the re-headed JWEs, are tried more than a
// thousand ways by test/cookie/cookie-tampering.e2e-spec.ts; here the ones the threat model names
// are tried once more by label (with the same helpers), plus what that suite does not cover:
// replaying a revoked server-side session and swapping in a cookie issued for another cookie name or
// path by an app that shares the secret (and, server-side, the store).

const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

/** The cookie of a client sent as is by another client (an attacker with a copy). */
function withCookies(url: string, cookies: Iterable<[string, string]>): HttpClient {
  const client = new HttpClient(url);
  for (const [name, value] of cookies) client.jar.set(name, value);
  return client;
}

describe.each(ADAPTERS)('cookie strategy attacks (%s)', (adapter) => {
  let sample: CookieSample;
  let other: CookieSample;
  let elsewhere: CookieSample;
  beforeAll(async () => {
    sample = await startCookieSample(adapter);
    // Other apps with the same secret: one with another cookie name, one with another cookie path.
    other = await startCookieSample(adapter, {
      sessionOverrides: { cookie: { name: 'other' } },
      nodeName: 'other',
    });
    elsewhere = await startCookieSample(adapter, {
      sessionOverrides: { cookie: { path: '/api' } },
      nodeName: 'elsewhere',
    });
  });
  afterAll(async () => {
    await sample?.close();
    await other?.close();
    await elsewhere?.close();
  });

  async function loggedIn(app: CookieSample): Promise<HttpClient> {
    const client = app.client();
    expect((await client.post('/api/login', { username: 'victim' })).status).toBe(200);
    return client;
  }

  it('a cookie sealed for another cookie name, swapped in under this name, is no session', async () => {
    const victim = await loggedIn(other);
    const sealed = victim.jar.get('other')!;
    const attacker = withCookies(sample.url, [['sid', sealed]]);
    expect((await attacker.get('/api/me')).status).toBe(401);
    expect((await attacker.get('/api/session')).body).toMatchObject({ user: null, counter: 0 });
  });

  it('a cookie sealed for another path, swapped in under this one, is no session', async () => {
    const victim = await loggedIn(elsewhere);
    const sealed = victim.jar.get('sid')!;
    expect((await victim.get('/api/me')).status).toBe(200);
    const attacker = withCookies(sample.url, [['sid', sealed]]);
    expect((await attacker.get('/api/me')).status).toBe(401);
    expect((await attacker.get('/api/session')).body).toMatchObject({ user: null, counter: 0 });
  });

  it.each([
    're-headed: alg none',
    're-headed: alg A256KW',
    're-headed: alg HS256 (a JWS header)',
    're-headed: unknown kid',
    'no tag',
    'header only',
  ])('%s: no session', async (label) => {
    const victim = await loggedIn(sample);
    const mutation = jweMutations(victim.jar.get('sid')!, 'sid').find((m) => m.label === label);
    expect(mutation).toBeDefined();
    const attacker = withCookies(sample.url, Object.entries(mutation!.cookies));
    expect((await attacker.get('/api/me')).status).toBe(401);
  });

  it('a truncated cookie is no session', async () => {
    const victim = await loggedIn(sample);
    const value = victim.jar.get('sid')!;
    for (const cut of [1, 10, Math.floor(value.length / 2), value.length - 1]) {
      const attacker = withCookies(sample.url, [['sid', value.slice(0, cut)]]);
      expect((await attacker.get('/api/me')).status).toBe(401);
    }
  });

  it('the documented limit: a copy taken before logout stays valid (no revocation without server state)', async () => {
    const victim = await loggedIn(sample);
    const copy = [...sessionCookies(victim)];
    expect((await victim.post('/api/logout')).status).toBe(204);
    expect((await withCookies(sample.url, copy).get('/api/me')).status).toBe(200);
  });
});

// The id cookie of the server-side strategies: swapped in from a neighbour app that shares the secret
// and the Redis, and replayed after the session was revoked.
describe.each(ADAPTERS)('server-side id cookies (%s)', (adapter) => {
  let redis: RedisServer;
  const samples: RunningSample[] = [];
  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await Promise.all(samples.map((sample) => sample.close()));
    await redis?.destroy();
  });

  it.each([
    ['name', { name: 'other' }, 'other'],
    ['path', { path: '/api' }, 'sid'],
  ] as const)(
    'an id cookie issued for another cookie %s is no session, though its session is in the shared store',
    async (_, cookie, issuedName) => {
      const sample = await startSample(adapter, { strategy: 'redis', redisUrl: redis.url });
      const neighbour = await startSample(adapter, {
        strategy: 'redis',
        redisUrl: redis.url,
        sessionOverrides: { cookie },
      });
      samples.push(sample, neighbour);
      const victim = neighbour.client();
      expect((await victim.post('/api/login', { username: 'victim' })).status).toBe(200);
      const issued = victim.jar.get(issuedName)!;
      expect((await victim.get('/api/me')).status).toBe(200);
      const attacker = withCookies(sample.url, [['sid', issued]]);
      expect((await attacker.get('/api/me')).status).toBe(401);
    },
  );

  it.each(['memory', 'redis', 'replicated'] as const)(
    '%s: a copied cookie replayed after logout, and after logout-others, is no session',
    async (strategy) => {
      const sample = await startSample(adapter, {
        strategy,
        redisUrl: redis.url,
        replicationHost: '127.0.0.1',
        replicationPort: await freePort(),
        replicationTimers: { joinTimeoutMs: 200 },
      });
      samples.push(sample);
      // Logout: the copy is refused.
      const victim = sample.client();
      await victim.post('/api/login', { username: 'victim' });
      const copy = [...victim.jar];
      expect((await withCookies(sample.url, copy).get('/api/me')).status).toBe(200);
      expect((await victim.post('/api/logout')).status).toBe(204);
      expect((await withCookies(sample.url, copy).get('/api/me')).status).toBe(401);
      // Revocation from another device: "log out everywhere else".
      const laptop = sample.client();
      const phone = sample.client();
      await laptop.post('/api/login', { username: 'owner' });
      await phone.post('/api/login', { username: 'owner' });
      const stolen = [...phone.jar];
      const revoked = await laptop.post('/api/logout-others');
      expect(revoked.status).toBe(200);
      expect(revoked.body.revoked).toBeGreaterThanOrEqual(1);
      expect((await withCookies(sample.url, stolen).get('/api/me')).status).toBe(401);
      expect((await laptop.get('/api/me')).status).toBe(200);
    },
  );
});
