import { ADAPTERS } from '../support/adapters.js';
import { TestClock } from '../support/clock.js';
import {
  counting,
  jweHeader,
  startCookieSample,
  type CookieSample,
} from './support/cookie-sample.js';

const JWE_COOKIE =
  /^sid=[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/;

describe.each(ADAPTERS)('cookie strategy on the sample app ($name)', ({ name: adapter }) => {
  let sample: CookieSample;
  let cost: () => { seals: number; unseals: number };
  const clock = new TestClock();

  beforeAll(async () => {
    sample = await startCookieSample(adapter, {
      ttl: 60,
      sessionOverrides: { clock: clock.now, absoluteTtl: 300 },
    });
    cost = counting(sample.strategy);
  });
  afterAll(() => sample.close());
  beforeEach(() => cost());

  describe('sealing', () => {
    it('an anonymous read seals nothing and sets no cookie', async () => {
      const response = await sample.client().get('/api/session');
      expect(response.body).toMatchObject({ strategy: 'cookie', user: null, counter: 0, data: {} });
      expect(response.setCookies).toEqual([]);
      expect(cost()).toEqual({ seals: 0, unseals: 0 });
    });

    it('a write sends one sealed JWE cookie whose Max-Age mirrors the idle expiry', async () => {
      const client = sample.client();
      const first = await client.post('/api/counter');
      expect(first.body.counter).toBe(1);
      expect(first.setCookies).toHaveLength(1);
      expect(first.setCookies[0]).toMatch(JWE_COOKIE);
      expect(first.setCookies[0]).toContain('Max-Age=60;');
      expect(jweHeader(client.jar.get('sid')!)).toEqual({
        alg: 'dir',
        enc: 'A256GCM',
        kid: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/),
      });
      expect(cost()).toEqual({ seals: 1, unseals: 0 });
    });

    it('a read-only request costs one unseal and no seal, and sends no cookie', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      await client.post('/api/counter');
      cost();
      for (let read = 0; read < 5; read++) {
        const response = await client.get('/api/session');
        expect(response.body.counter).toBe(2);
        expect(response.setCookies).toEqual([]);
      }
      expect(cost()).toEqual({ seals: 0, unseals: 5 });
      expect((await client.get('/api/me')).status).toBe(401);
      expect(cost()).toEqual({ seals: 0, unseals: 1 });
    });

    it('an unchanged cookie is decrypted once, then read from the cache of opened values', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      const { decryptions } = sample.strategy.counters;
      for (let read = 0; read < 5; read++)
        expect((await client.get('/api/session')).body.counter).toBe(1);
      expect(sample.strategy.counters.decryptions - decryptions).toBe(1);
      // A cookie that differs by one character is another value: decrypted, and refused.
      const sealed = client.jar.get('sid')!;
      client.jar.set('sid', sealed.slice(0, -2) + (sealed.endsWith('AA') ? 'BB' : 'AA'));
      expect((await client.get('/api/session')).body.counter).toBe(0);
      expect(sample.strategy.counters.decryptions - decryptions).toBe(2);
    });

    it('every write seals once and sends the whole session again', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      const before = client.jar.get('sid');
      cost();
      const second = await client.post('/api/counter');
      expect(second.setCookies).toHaveLength(1);
      expect(client.jar.get('sid')).not.toBe(before);
      expect(cost()).toEqual({ seals: 1, unseals: 1 });
    });

    it('the content is unreadable to the client: no session data in any decoded part', async () => {
      const client = sample.client();
      await client.put('/api/data/secretColor', { value: 'ultraviolet-marker' });
      await client.post('/api/login', { username: 'visible-username-marker' });
      const value = client.jar.get('sid')!;
      const parts = value.split('.');
      expect(parts).toHaveLength(5);
      expect(parts[1]).toBe('');
      const decoded = parts
        .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
        .join('|');
      for (const visible of [value, decoded]) {
        for (const secret of ['ultraviolet', 'visible-username', 'secretColor', 'counter', '"i"']) {
          expect(visible).not.toContain(secret);
        }
      }
      expect(Object.keys(jweHeader(value)).sort()).toEqual(['alg', 'enc', 'kid']);
    });
  });

  describe('counter, data keys, login and logout', () => {
    it('keeps the counter and data keys across requests', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      await client.put('/api/data/color', { value: 'blue' });
      const shape = await client.put('/api/data/shape', { value: { sides: 3, name: 'tri"angle' } });
      expect(shape.body.data).toEqual({ color: 'blue', shape: { sides: 3, name: 'tri"angle' } });
      expect((await client.get('/api/session')).body).toMatchObject({
        counter: 1,
        data: { color: 'blue', shape: { sides: 3, name: 'tri"angle' } },
      });
    });

    it('login gives a new session id and keeps the data; logout clears the cookie', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      const anonymous = client.jar.get('sid')!;
      const login = await client.post('/api/login', { username: 'alice' });
      expect(login.setCookies).toHaveLength(1);
      expect((await client.get('/api/me')).body.user).toBe('alice');
      expect((await client.get('/api/session')).body).toMatchObject({ user: 'alice', counter: 1 });
      // The pre-login cookie never carried the principal: replaying it is not logged in.
      const planted = sample.client();
      planted.jar.set('sid', anonymous);
      expect((await planted.get('/api/me')).status).toBe(401);

      const loggedIn = client.jar.get('sid')!;
      const logout = await client.post('/api/logout');
      expect(logout.status).toBe(204);
      // Every name the session may use is cleared (sid and sid.0 … sid.3 with maxChunks 4).
      expect(logout.setCookies).toEqual(
        ['sid', 'sid.0', 'sid.1', 'sid.2', 'sid.3'].map(
          (name) =>
            `${name}=; Max-Age=0; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax`,
        ),
      );
      expect(client.jar.size).toBe(0);
      expect((await client.get('/api/me')).status).toBe(401);

      // The documented limit: a copy taken before logout stays valid until it expires.
      const copy = sample.client();
      copy.jar.set('sid', loggedIn);
      expect((await copy.get('/api/me')).body.user).toBe('alice');
    });

    it('SessionService methods answer 501 with a clear message: the strategy keeps no server state', async () => {
      const client = sample.client();
      await client.post('/api/login', { username: 'carol' });
      const list = await client.get('/api/sessions');
      expect(list.status).toBe(501);
      expect(list.body).toMatchObject({
        statusCode: 501,
        message:
          'SessionService.listByPrincipal() is not supported by the cookie strategy: it keeps no server-side state',
      });
      const others = await client.post('/api/logout-others');
      expect(others.status).toBe(501);
      expect(others.body.message).toContain(
        'SessionService.revokeAllForPrincipal() is not supported by the cookie strategy',
      );
      expect(sample.logger.errors).toEqual([]);
    });
  });

  describe('expiry, on a controllable clock (ttl 60 s, absoluteTtl 300 s)', () => {
    it('an idle session expires after ttl, even if the browser sends the cookie', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      clock.advance(61);
      const read = await client.get('/api/session');
      expect(read.body.counter).toBe(0);
      expect(read.setCookies).toEqual([]);
    });

    it('rolling renewal: no cookie while more than half the idle time is left, one re-seal after', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      cost();
      clock.advance(29);
      const early = await client.get('/api/session');
      expect(early.setCookies).toEqual([]);
      expect(cost()).toEqual({ seals: 0, unseals: 1 });
      clock.advance(2); // 31 s since the seal: 29 s left, less than half of 60 s
      const due = await client.get('/api/session');
      expect(due.body.counter).toBe(1);
      expect(due.setCookies).toHaveLength(1);
      expect(due.setCookies[0]).toContain('Max-Age=60;');
      expect(cost()).toEqual({ seals: 1, unseals: 1 });
      const after = await client.get('/api/session');
      expect(after.setCookies).toEqual([]);
      // Renewed at 31 s: alive at 31 + 59 s, which is past the first seal's expiry.
      clock.advance(59);
      expect((await client.get('/api/session')).body.counter).toBe(1);
    });

    it('the absolute timeout ends even an active session', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      for (let elapsed = 0; elapsed < 280; elapsed += 40) {
        clock.advance(40);
        expect((await client.post('/api/counter')).body.counter).toBeGreaterThan(1);
      }
      // The last writes cap the cookie's Max-Age at what is left of the absolute lifetime.
      const last = await client.post('/api/counter');
      expect(last.setCookies[0]).toMatch(/Max-Age=(1\d|20);/);
      clock.advance(40);
      expect((await client.get('/api/session')).body.counter).toBe(0);
    });
  });
});
