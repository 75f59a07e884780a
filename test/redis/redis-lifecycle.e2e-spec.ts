import { Redis } from 'ioredis';
import { ADAPTERS } from '../support/adapters.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { RedisServer, waitFor } from '../support/redis-server.js';
import { SampleProcess } from '../support/sample-process.js';
import { RecordingLogger, startRedisSample } from './redis-sample.js';

/** Connections Redis has open, other than the one asking. */
async function connectionsTo(redis: RedisServer): Promise<number> {
  return (await redis.cli('client', 'list'))
    .split('\n')
    .filter((line) => !line.includes('cmd=client')).length;
}

describe('redis connection lifecycle', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await RedisServer.start();
  });
  afterAll(async () => {
    await redis?.destroy();
  });

  describe.each(ADAPTERS)('($name)', ({ name: adapter }) => {
    it('closes the connection it opened when the application shuts down', async () => {
      const before = await connectionsTo(redis);
      const sample = await startRedisSample(adapter, { redisUrl: redis.url });
      await sample.client().post('/api/counter');
      expect(await connectionsTo(redis)).toBe(before + 1);
      await sample.close();
      await waitFor(async () => (await connectionsTo(redis)) === before, 'the connection to close');
    });

    it('leaves a client it was given open, for its owner to close', async () => {
      const client = new Redis(redis.url, { enableOfflineQueue: false, commandTimeout: 1000 });
      await new Promise((resolve) => client.once('ready', resolve));
      const sample = await startRedisSample(adapter, { sessionOverrides: { redis: { client } } });
      const browser = sample.client();
      expect((await browser.post('/api/counter')).body.counter).toBe(1);
      expect((await browser.post('/api/counter')).body.counter).toBe(2);
      await sample.close();
      await expect(client.ping()).resolves.toBe('PONG');
      await client.quit();
    });

    it('starts while Redis is down, answers 503 meanwhile, and serves once Redis is up', async () => {
      const port = await freePort();
      const logger = new RecordingLogger();
      const sample = await startRedisSample(adapter, {
        redisUrl: `redis://127.0.0.1:${port}`,
        logger,
      });
      let late: RedisServer | undefined;
      try {
        expect(logger.matching(/not reachable yet/)).toHaveLength(1);
        const browser = sample.client();
        const early = await browser.post('/api/counter');
        expect(early.status).toBe(503);
        expect(early.body).toEqual({ statusCode: 503, message: 'session store unavailable' });
        late = await RedisServer.start({ port });
        await waitFor(
          async () => (await browser.post('/api/counter')).status === 200,
          'the app to reach Redis',
        );
        expect((await browser.post('/api/counter')).body.counter).toBe(2);
      } finally {
        await sample.close();
        await late?.destroy();
      }
    });
  });

  it('the sample as a process: SESSION_STRATEGY=redis with REDIS_URL, and a clean exit on SIGTERM', async () => {
    const node = await SampleProcess.start('redis-node', {
      SESSION_STRATEGY: 'redis',
      REDIS_URL: redis.url,
    });
    try {
      const browser = new HttpClient(node.url);
      expect((await browser.post('/api/counter')).body.counter).toBe(1);
      expect((await browser.get('/api/session')).body).toMatchObject({
        strategy: 'redis',
        counter: 1,
      });
      expect((await browser.get('/health')).body).toMatchObject({
        status: 'ok',
        strategy: 'redis',
      });
    } finally {
      await node.stop('SIGTERM');
    }
    expect(node.log).not.toMatch(/Error|unhandled/i);
  });
});
