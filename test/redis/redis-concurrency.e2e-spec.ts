import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import { ADAPTERS } from '../support/adapters.js';
import { HttpClient, urlOf } from '../support/http-client.js';
import { RedisServer } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { sessionIdOf, startRedisSample } from './redis-sample.js';
import { Gates, startSlowWriteApp } from './slow-write.app.js';

const PAIRS = 200;

/** A second client on the same session (another tab of the same browser). */
function twin(client: HttpClient): HttpClient {
  const other = new HttpClient(client.baseUrl);
  for (const [name, value] of client.jar) other.jar.set(name, value);
  return other;
}

describe.each(ADAPTERS)('redis concurrency ($name)', ({ name: adapter }) => {
  let redis: RedisServer;
  let inspector: Redis;
  let sample: RunningSample;
  let slowApp: INestApplication;
  let slowUrl: string;
  const gates = new Gates();

  beforeAll(async () => {
    redis = await RedisServer.start();
    inspector = new Redis(redis.url);
    sample = await startRedisSample(adapter, { redisUrl: redis.url });
    slowApp = await startSlowWriteApp(adapter, redis.url, gates);
    slowUrl = await urlOf(slowApp);
  });
  afterAll(async () => {
    await slowApp?.close();
    await sample?.close();
    await inspector?.quit();
    await redis?.destroy();
  });

  it(`${PAIRS} pairs of concurrent writes of different keys on one session: none lost`, async () => {
    const left = sample.client();
    await left.post('/api/counter');
    const right = twin(left);
    let lost = 0;
    for (let i = 1; i <= PAIRS; i++) {
      const [a, b] = await Promise.all([
        left.put('/api/data/a', { value: i }),
        right.put('/api/data/b', { value: i }),
      ]);
      expect([a.status, b.status]).toEqual([200, 200]);
      const { data } = (await left.get('/api/session')).body;
      if (data.a !== i || data.b !== i) lost++;
    }
    expect(lost).toBe(0);
  });

  it(`${PAIRS * 2} simultaneous writes of different keys on one session: all kept`, async () => {
    const client = sample.client();
    await client.post('/api/counter');
    const responses = await Promise.all(
      Array.from({ length: PAIRS * 2 }, (_, i) =>
        twin(client).put(`/api/data/k${i}`, { value: i }),
      ),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
    const { data, counter } = (await client.get('/api/session')).body;
    expect(Object.keys(data)).toHaveLength(PAIRS * 2);
    for (let i = 0; i < PAIRS * 2; i++) expect(data[`k${i}`]).toBe(i);
    expect(counter).toBe(1);
  });

  it('concurrent writes of the same key: the last one written wins, whole and valid', async () => {
    const client = sample.client();
    await client.post('/api/counter');
    const values = Array.from({ length: 50 }, (_, i) => ({ writer: i, payload: 'x'.repeat(i) }));
    await Promise.all(values.map((value) => twin(client).put('/api/data/same', { value })));
    const { data } = (await client.get('/api/session')).body;
    expect(values).toContainEqual(data.same);
  });

  it('no resurrection: a slow write that started before a logout does not bring the session back', async () => {
    const client = new HttpClient(slowUrl);
    await client.put('/fast/a', { value: 1 });
    const id = sessionIdOf(client);
    const cookieBefore = client.jar.get('sid')!;
    const slowClient = twin(client);
    const slow = slowClient.put('/slow/b', { value: 2 });
    const gate = await gates.next(gates.opened.length);
    await gate.entered;
    expect((await client.post('/logout')).status).toBe(204);
    expect(await inspector.exists(`sess:{${id}}`)).toBe(0);
    gate.release();
    const late = await slow;
    expect(late.status).toBe(200);
    // The late request is told its session is gone: its cookie is cleared.
    expect(late.setCookies.some((cookie) => /^sid=;/.test(cookie))).toBe(true);
    expect(await inspector.exists(`sess:{${id}}`)).toBe(0);
    // The old cookie, replayed, finds nothing.
    const replayed = new HttpClient(slowUrl);
    replayed.jar.set('sid', cookieBefore);
    expect((await replayed.get('/session')).body).toEqual({ keys: [], principal: null });
  });

  it('login: the old id no longer loads, the new one holds the data; logout: the id is gone', async () => {
    const client = sample.client();
    await client.put('/api/data/cart', { value: ['apple'] });
    const before = twin(client);
    const oldId = sessionIdOf(client);
    await client.post('/api/login', { username: `atomic-${adapter}` });
    const newId = sessionIdOf(client);
    expect(newId).not.toBe(oldId);
    expect(await inspector.exists(`sess:{${oldId}}`)).toBe(0);
    expect((await before.get('/api/session')).body).toMatchObject({ user: null, data: {} });
    expect((await client.get('/api/session')).body).toMatchObject({
      user: `atomic-${adapter}`,
      data: { cart: ['apple'] },
    });
    const loggedIn = twin(client);
    await client.post('/api/logout');
    expect(await inspector.exists(`sess:{${newId}}`)).toBe(0);
    expect((await loggedIn.get('/api/me')).status).toBe(401);
  });
});
