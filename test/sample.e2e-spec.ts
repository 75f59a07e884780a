import { ADAPTERS } from './support/adapters.js';
import { TestClock } from './support/clock.js';
import { startSample, TEST_SECRET, type RunningSample } from './support/sample-app.js';
import { signSessionId as signId } from './support/signing.js';

describe.each(ADAPTERS)('sample app, memory strategy ($name)', ({ name: adapter }) => {
  let sample: RunningSample;
  const clock = new TestClock();

  beforeAll(async () => {
    sample = await startSample(adapter, {
      ttl: 60,
      sessionOverrides: { clock: clock.now, absoluteTtl: 300, memory: { maxSessions: 50 } },
    });
  });
  afterAll(() => sample.close());

  describe('lazy sessions', () => {
    it('reads of an anonymous visitor create nothing: no cookie', async () => {
      const client = sample.client();
      for (const path of ['/api/session', '/', '/health']) {
        const response = await client.get(path);
        expect(response.status).toBe(200);
        expect(response.setCookies).toEqual([]);
        expect(response.headers.get('x-node')).toBe(`test-${adapter}`);
      }
      expect((await client.get('/api/session')).body).toEqual({
        node: `test-${adapter}`,
        strategy: 'memory',
        user: null,
        counter: 0,
        data: {},
      });
    });

    it('a route that never touches the session sets no cookie, even for a visitor with a session', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      const health = await client.get('/health');
      expect(health.setCookies).toEqual([]);
    });
  });

  describe('the page', () => {
    it('shows the node, the strategy, the user and the counter, with the buttons', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      await client.post('/api/counter');
      let page = await client.get('/');
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      expect(page.body).toContain(`<dd id="node">test-${adapter}</dd>`);
      expect(page.body).toContain('<dd id="strategy">memory</dd>');
      expect(page.body).toContain('<dd id="user">anonymous</dd>');
      expect(page.body).toContain('<dd id="counter">2</dd>');
      for (const id of ['increment', 'login', 'logout', 'username'])
        expect(page.body).toContain(`id="${id}"`);
      await client.post('/api/login', { username: 'page.user' });
      page = await client.get('/');
      expect(page.body).toContain('<dd id="user">page.user</dd>');
    });

    it('sends X-Node on errors too', async () => {
      const client = sample.client();
      expect((await client.get('/api/me')).headers.get('x-node')).toBe(`test-${adapter}`);
      expect((await client.put('/api/data/bad key', { value: 1 })).headers.get('x-node')).toBe(
        `test-${adapter}`,
      );
    });
  });

  describe('counter and data keys', () => {
    it('increments, setting the cookie once, and keeps the count', async () => {
      const client = sample.client();
      const first = await client.post('/api/counter');
      expect(first.body).toEqual({ node: `test-${adapter}`, counter: 1 });
      expect(first.setCookies).toHaveLength(1);
      expect(first.setCookies[0]).toMatch(
        /^sid=[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Lax$/,
      );
      const second = await client.post('/api/counter');
      expect(second.body.counter).toBe(2);
      expect(second.setCookies).toEqual([]);
      expect((await client.get('/api/session')).body.counter).toBe(2);
    });

    it('stores data keys separately and validates them', async () => {
      const client = sample.client();
      await client.put('/api/data/color', { value: 'blue' });
      const second = await client.put('/api/data/shape', { value: { sides: 3 } });
      expect(second.body.data).toEqual({ color: 'blue', shape: { sides: 3 } });
      expect((await client.put('/api/data/bad key!', { value: 1 })).status).toBe(400);
      expect((await client.put(`/api/data/${'k'.repeat(65)}`, { value: 1 })).status).toBe(400);
      expect((await client.put('/api/data/novalue', { other: 1 })).status).toBe(400);
      expect((await client.get('/api/session')).body.data).toEqual({
        color: 'blue',
        shape: { sides: 3 },
      });
    });
  });

  describe('login, guard and logout', () => {
    it('SessionGuard answers 401 with a JSON body to an anonymous client', async () => {
      const response = await sample.client().get('/api/me');
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ statusCode: 401, message: 'Authentication required' });
    });

    it('login changes the session id and keeps the data; the old id is dead', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      await client.post('/api/counter');
      const before = client.jar.get('sid')!;
      const login = await client.post('/api/login', { username: 'alice' });
      expect(login.status).toBe(200);
      expect(login.body).toEqual({ node: `test-${adapter}`, user: 'alice' });
      const after = client.jar.get('sid')!;
      expect(after).not.toEqual(before);
      expect(after.split('.')[0]).not.toEqual(before.split('.')[0]);
      expect((await client.get('/api/session')).body).toMatchObject({ user: 'alice', counter: 2 });
      expect((await client.get('/api/me')).body).toEqual({
        node: `test-${adapter}`,
        user: 'alice',
      });

      const attacker = sample.client();
      attacker.jar.set('sid', before);
      expect((await attacker.get('/api/session')).body).toMatchObject({ user: null, counter: 0 });
      expect((await attacker.get('/api/me')).status).toBe(401);
    });

    it('rejects bad usernames with 400', async () => {
      const client = sample.client();
      for (const username of ['', 'a b', 'x'.repeat(65), 42, undefined]) {
        expect((await client.post('/api/login', { username })).status).toBe(400);
      }
      expect(client.jar.size).toBe(0);
    });

    it('logout destroys the session and clears the cookie; the old cookie is anonymous', async () => {
      const client = sample.client();
      await client.post('/api/login', { username: 'bob' });
      const cookie = client.jar.get('sid')!;
      const logout = await client.post('/api/logout');
      expect(logout.status).toBe(204);
      expect(logout.setCookies).toHaveLength(1);
      expect(logout.setCookies[0]).toMatch(
        /^sid=; Max-Age=0; Path=\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax$/,
      );
      expect(client.jar.has('sid')).toBe(false);
      const replay = sample.client();
      replay.jar.set('sid', cookie);
      expect((await replay.get('/api/me')).status).toBe(401);
      expect((await replay.get('/api/session')).body.user).toBeNull();
    });

    it("lists the caller's sessions and logs out the others", async () => {
      const laptop = sample.client();
      const phone = sample.client();
      await laptop.post('/api/login', { username: 'carol' });
      await phone.post('/api/login', { username: 'carol' });
      const listed = await laptop.get('/api/sessions');
      expect(listed.body.sessions).toHaveLength(2);
      expect(
        listed.body.sessions.filter((session: { current: boolean }) => session.current),
      ).toHaveLength(1);
      expect((await laptop.post('/api/logout-others')).body.revoked).toBe(1);
      expect((await phone.get('/api/me')).status).toBe(401);
      expect((await laptop.get('/api/me')).status).toBe(200);
    });
  });

  describe('bad cookies are "no session", never a 500, never echoed', () => {
    let valid: string;

    beforeAll(async () => {
      const client = sample.client();
      await client.post('/api/login', { username: 'dave' });
      valid = client.jar.get('sid')!;
    });

    const cases: [string, (cookie: string) => string][] = [
      ['garbage', () => 'not-a-session-cookie'],
      ['empty', () => ''],
      ['truncated', (cookie) => cookie.slice(0, -5)],
      ['id without signature', (cookie) => cookie.split('.')[0]],
      [
        'signature bit-flipped',
        (cookie) => cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A'),
      ],
      [
        'id changed, signature kept',
        (cookie) => (cookie.startsWith('A') ? 'B' : 'A') + cookie.slice(1),
      ],
      [
        'signed with an unknown secret',
        (cookie) => signId(cookie.split('.')[0], 'another-secret-of-at-least-32-characters!'),
      ],
      ['validly signed id that was never issued', () => signId('A'.repeat(32), TEST_SECRET)],
      ['percent-encoded junk', () => '%E0%A4%A'],
      ['very long', () => 'x'.repeat(3000)],
    ];

    it.each(cases)('%s', async (_label, mutate) => {
      const client = sample.client();
      const cookie = mutate(valid);
      client.jar.set('sid', cookie);
      const response = await client.get('/api/session');
      expect(response.status).toBe(200);
      expect(response.body.user).toBeNull();
      expect(response.setCookies).toEqual([]);
      const me = await client.get('/api/me');
      expect(me.status).toBe(401);
      if (cookie.length > 8) expect(JSON.stringify(me.body)).not.toContain(cookie.split('.')[0]);
      // A write starts a fresh session with a new id, never the one offered.
      const write = await client.post('/api/counter');
      expect(write.body.counter).toBe(1);
      expect(client.jar.get('sid')!.split('.')[0]).not.toBe(cookie.split('.')[0]);
    });
  });

  describe('expiry, on a controllable clock', () => {
    it('an idle session expires after ttl', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      clock.advance(61);
      expect((await client.get('/api/session')).body.counter).toBe(0);
    });

    it('activity slides the idle expiry (rolling)', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      clock.advance(40);
      expect((await client.get('/api/session')).body.counter).toBe(1);
      clock.advance(40);
      expect((await client.get('/api/session')).body.counter).toBe(1);
    });

    it('the absolute timeout ends even an active session', async () => {
      const client = sample.client();
      await client.post('/api/counter');
      for (let elapsed = 0; elapsed < 280; elapsed += 40) {
        clock.advance(40);
        expect((await client.post('/api/counter')).body.counter).toBeGreaterThan(1);
      }
      clock.advance(40);
      expect((await client.get('/api/session')).body.counter).toBe(0);
    });
  });

  describe('memory bound', () => {
    it('evicts the least recently used session beyond memory.maxSessions', async () => {
      const oldest = sample.client();
      await oldest.post('/api/counter');
      const others = Array.from({ length: 50 }, () => sample.client());
      for (const other of others) await other.post('/api/counter');
      expect((await oldest.get('/api/session')).body.counter).toBe(0);
      expect((await others[49].get('/api/session')).body.counter).toBe(1);
    });
  });
});
