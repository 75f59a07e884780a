import { ADAPTERS } from '../support/adapters.js';
import { HttpClient } from '../support/http-client.js';
import { RedisServer, waitFor } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { RecordingLogger, startRedisSample } from './redis-sample.js';

const COMMAND_TIMEOUT_MS = 500;
const UNAVAILABLE = { statusCode: 503, message: 'session store unavailable' };

// Redis down, hung and back, under a running app: 503s within the bound, never a crash.
describe.each(ADAPTERS)('redis faults ($name)', ({ name: adapter }) => {
  let redis: RedisServer;
  let sample: RunningSample;
  const logger = new RecordingLogger();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    redis = await RedisServer.start();
    sample = await startRedisSample(adapter, {
      redisUrl: redis.url,
      logger,
      sessionOverrides: { redis: { url: redis.url, commandTimeoutMs: COMMAND_TIMEOUT_MS } },
    });
  });
  afterAll(async () => {
    await sample?.close();
    await redis?.destroy();
    process.off('unhandledRejection', onUnhandled);
  });

  /** Times a request; the bound asserted is generous (a loaded machine), the point is that it is bounded. */
  async function timed(request: () => Promise<{ status: number; body: unknown }>) {
    const started = performance.now();
    const response = await request();
    return { ...response, elapsedMs: performance.now() - started };
  }

  async function expectSessionRoutesDown(client: HttpClient, bound: number) {
    for (const request of [
      () => client.get('/api/session'),
      () => client.post('/api/counter'),
      () => client.post('/api/login', { username: 'x' }),
    ]) {
      const response = await timed(request);
      expect(response.status).toBe(503);
      expect(response.body).toEqual(UNAVAILABLE);
      expect(response.elapsedMs).toBeLessThan(bound);
    }
    const health = await client.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ status: 'unavailable', strategy: 'redis' });
    // No session cookie: the session is never loaded, so Redis is not needed.
    const anonymous = await sample.client().get('/api/session');
    expect(anonymous.status).toBe(200);
    expect((await client.get('/no-such-route')).status).toBe(404);
  }

  it('Redis killed: session routes 503 at once, health 503, the rest serves; restarted: service resumes', async () => {
    const client = sample.client();
    await client.post('/api/counter');
    await redis.stop('SIGKILL');
    await expectSessionRoutesDown(client, COMMAND_TIMEOUT_MS + 2000);

    await redis.start();
    await waitFor(async () => (await client.get('/health')).status === 200, 'health to recover');
    // The restarted Redis kept nothing (no persistence in tests): the client starts over.
    expect((await client.get('/api/session')).body.counter).toBe(0);
    expect((await client.post('/api/counter')).body.counter).toBe(1);
    expect((await client.post('/api/counter')).body.counter).toBe(2);
    expect(logger.matching(/Redis connection (lost|error)/)).toHaveLength(1);
    expect(logger.matching(/Redis connection is back/)).toHaveLength(1);
  });

  it('Redis hung (no answer): session routes 503 after the command timeout; resumed: the session is intact', async () => {
    const client = sample.client();
    await client.post('/api/counter');
    await client.post('/api/counter');
    redis.signal('SIGSTOP');
    try {
      const response = await timed(() => client.get('/api/session'));
      expect(response.status).toBe(503);
      expect(response.body).toEqual(UNAVAILABLE);
      expect(response.elapsedMs).toBeGreaterThanOrEqual(COMMAND_TIMEOUT_MS - 50);
      expect(response.elapsedMs).toBeLessThan(COMMAND_TIMEOUT_MS + 3000);
      expect((await client.get('/health')).status).toBe(503);
    } finally {
      redis.signal('SIGCONT');
    }
    await waitFor(
      async () => (await client.get('/api/session')).status === 200,
      'the session to be readable again',
    );
    expect((await client.get('/api/session')).body.counter).toBe(2);
    expect((await client.post('/api/counter')).body.counter).toBe(3);
  });

  it('no unhandled rejection and no crash through all of it', () => {
    expect(unhandled).toEqual([]);
  });
});
