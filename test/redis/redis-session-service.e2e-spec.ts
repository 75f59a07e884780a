import { Redis } from 'ioredis';
import { SessionService } from 'nestjs-distributed-session';
import { ADAPTERS } from '../support/adapters.js';
import { RedisServer } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { sessionIdOf, startRedisSample } from './redis-sample.js';

describe.each(ADAPTERS)(
  'SessionService with redis, and maxSessionsPerPrincipal ($name)',
  ({ name: adapter }) => {
    let redis: RedisServer;
    let inspector: Redis;
    let sample: RunningSample;
    let sessions: SessionService;

    beforeAll(async () => {
      redis = await RedisServer.start();
      inspector = new Redis(redis.url);
      sample = await startRedisSample(adapter, {
        sessionOverrides: { redis: { url: redis.url, maxSessionsPerPrincipal: 3 } },
      });
      sessions = sample.app.get(SessionService);
    });
    afterAll(async () => {
      await sample?.close();
      await inspector?.quit();
      await redis?.destroy();
    });

    async function loggedIn(user: string) {
      const client = sample.client();
      await client.post('/api/counter');
      await client.post('/api/login', { username: user });
      return client;
    }

    it("lists a principal's sessions oldest first, with times and no data; revoke(id) ends one", async () => {
      const user = `list-${adapter}`;
      const first = await loggedIn(user);
      const second = await loggedIn(user);
      const listed = await sessions.listByPrincipal(user);
      expect(listed.map((session) => session.id)).toEqual([
        sessionIdOf(first),
        sessionIdOf(second),
      ]);
      for (const session of listed) {
        expect(Object.keys(session).sort()).toEqual([
          'createdAt',
          'expiresAt',
          'id',
          'lastAccessedAt',
        ]);
        expect(session.expiresAt).toBeGreaterThan(Date.now());
        expect(session.lastAccessedAt).toBeGreaterThanOrEqual(session.createdAt);
      }
      await sessions.revoke(sessionIdOf(first));
      expect((await first.get('/api/me')).status).toBe(401);
      expect((await second.get('/api/me')).status).toBe(200);
      expect((await sessions.listByPrincipal(user)).map((session) => session.id)).toEqual([
        sessionIdOf(second),
      ]);
    });

    it('revokeAllForPrincipal ends every session but the one kept, and counts them', async () => {
      const user = `all-${adapter}`;
      const devices = [await loggedIn(user), await loggedIn(user), await loggedIn(user)];
      const kept = sessionIdOf(devices[2]);
      await expect(sessions.revokeAllForPrincipal(user, { except: kept })).resolves.toBe(2);
      expect((await devices[0].get('/api/me')).status).toBe(401);
      expect((await devices[1].get('/api/me')).status).toBe(401);
      expect((await devices[2].get('/api/me')).status).toBe(200);
      await expect(sessions.revokeAllForPrincipal(user)).resolves.toBe(1);
      expect((await devices[2].get('/api/me')).status).toBe(401);
      expect(await sessions.listByPrincipal(user)).toEqual([]);
    });

    it('a login beyond maxSessionsPerPrincipal revokes the oldest session of that principal', async () => {
      const user = `max-${adapter}`;
      const devices = [];
      for (let i = 0; i < 5; i++) devices.push(await loggedIn(user));
      const statuses = await Promise.all(
        devices.map(async (device) => (await device.get('/api/me')).status),
      );
      expect(statuses).toEqual([401, 401, 200, 200, 200]);
      const listed = (await devices[4].get('/api/sessions')).body.sessions;
      expect(listed.map((session: { id: string }) => session.id)).toEqual(
        devices.slice(2).map(sessionIdOf),
      );
      // Another principal's sessions are not counted.
      expect((await (await loggedIn(`${user}-other`)).get('/api/me')).status).toBe(200);
      expect((await devices[2].get('/api/me')).status).toBe(200);
    });

    it('the principal index does not grow without bound: gone sessions are pruned, and it expires with them', async () => {
      const user = `prune-${adapter}`;
      const index = `sess:principal:${user}`;
      for (let i = 0; i < 3; i++) await (await loggedIn(user)).post('/api/logout');
      // Each login pruned the entries of the sessions already gone: only the last logout's entry is left.
      expect(await inspector.zcard(index)).toBe(1);
      expect(await sessions.listByPrincipal(user)).toEqual([]);
      expect(await inspector.exists(index)).toBe(0);
      const device = await loggedIn(user);
      const ttl = await inspector.pttl(index);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(86_400_000);
      await device.post('/api/logout');
    });
  },
);
