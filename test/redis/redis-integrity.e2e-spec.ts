import { Redis } from 'ioredis';
import { ADAPTERS } from '../support/adapters.js';
import { TestClock } from '../support/clock.js';
import { RedisServer } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { RecordingLogger, sessionIdOf, startRedisSample } from './redis-sample.js';

describe.each(ADAPTERS)('redis stored values and expiry ($name)', ({ name: adapter }) => {
  let redis: RedisServer;
  let inspector: Redis;
  let sample: RunningSample;
  const clock = new TestClock();
  const logger = new RecordingLogger();

  beforeAll(async () => {
    redis = await RedisServer.start();
    inspector = new Redis(redis.url);
    sample = await startRedisSample(adapter, {
      redisUrl: redis.url,
      ttl: 60,
      logger,
      sessionOverrides: { clock: clock.now, absoluteTtl: 150 },
    });
  });
  afterAll(async () => {
    await sample?.close();
    await inspector?.quit();
    await redis?.destroy();
  });

  /** A client with a stored session, and its Redis key. */
  async function withSession() {
    const client = sample.client();
    await client.post('/api/counter');
    return { client, key: `sess:{${sessionIdOf(client)}}` };
  }

  const corruptions: [string, (key: string) => Promise<unknown>][] = [
    ['an unknown format version', (key) => inspector.hset(key, 'v', '99')],
    ['a value that is not JSON', (key) => inspector.hset(key, 'd:counter', '{not json')],
    ['a missing timestamp', (key) => inspector.hdel(key, 'a')],
    [
      'another Redis type (an older store wrote a string)',
      (key) => inspector.set(key, '{"cookie":{},"counter":5}'),
    ],
  ];

  it.each(corruptions)(
    '%s loads as "no session", logged once however often it is requested',
    async (_, corrupt) => {
      const { client, key } = await withSession();
      await corrupt(key);
      const before = logger.matching(/unreadable session/).length;
      for (let i = 0; i < 3; i++) {
        const response = await client.get('/api/session');
        expect(response.status).toBe(200);
        expect(response.body).toMatchObject({ user: null, counter: 0 });
      }
      const logged = logger.matching(/unreadable session/).slice(before);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(key);
      // Writing starts a new session under a new id; the unreadable value is left alone.
      const write = await client.post('/api/counter');
      expect(write.body.counter).toBe(1);
      expect(`sess:{${sessionIdOf(client)}}`).not.toBe(key);
    },
  );

  it('Redis expires the key with the session: its TTL is the idle timeout', async () => {
    const { key } = await withSession();
    const ttl = await inspector.pttl(key);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('the absolute timeout ends a session on load, however active it is', async () => {
    const { client, key } = await withSession();
    for (let elapsed = 40; elapsed < 150; elapsed += 40) {
      clock.advance(40);
      expect((await client.get('/api/session')).body.counter).toBe(1);
    }
    // 120 s in: the sliding refresh is capped at the absolute expiry, and so is the key's TTL.
    expect(Number(await inspector.hget(key, 'e'))).toBe(Number(await inspector.hget(key, 'a')));
    expect(await inspector.pttl(key)).toBeLessThanOrEqual(30_000);
    clock.advance(31);
    // Past the absolute expiry (the key itself may still be in Redis, its clock differs): no session.
    expect((await client.get('/api/session')).body).toMatchObject({ counter: 0, user: null });
    expect((await client.post('/api/counter')).body.counter).toBe(1);
  });

  it('the idle timeout ends a session that is not used', async () => {
    const { client } = await withSession();
    clock.advance(61);
    expect((await client.get('/api/session')).body.counter).toBe(0);
  });
});
