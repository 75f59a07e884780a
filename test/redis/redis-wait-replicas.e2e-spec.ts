import { ADAPTERS } from '../support/adapters.js';
import { RedisServer, waitFor } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { CommandMonitor } from './command-monitor.js';
import { RecordingLogger, sessionIdOf, startRedisSample } from './redis-sample.js';

// `redis.waitForReplicas`: a write is acknowledged only once the replica holds it (Redis WAIT).
// A real master and a real replica; the replica is paused (SIGSTOP) to play a replica that is gone
// or behind, as during a failover's switch.
describe.each(ADAPTERS)('redis strategy with waitForReplicas ($name)', ({ name: adapter }) => {
  let master: RedisServer;
  let replica: RedisServer;
  let sample: RunningSample;
  let monitor: CommandMonitor;
  const logger = new RecordingLogger();

  beforeAll(async () => {
    master = await RedisServer.start();
    replica = await RedisServer.start({ args: ['--replicaof', '127.0.0.1', String(master.port)] });
    await waitFor(
      async () => (await replica.cli('info', 'replication')).includes('master_link_status:up'),
      'the replica to sync',
    );
    sample = await startRedisSample(adapter, {
      redisUrl: master.url,
      logger,
      sessionOverrides: {
        redis: { url: master.url, waitForReplicas: { replicas: 1, timeoutMs: 200 } },
      },
    });
    monitor = await CommandMonitor.start(master.url);
  });
  afterAll(async () => {
    replica?.signal('SIGCONT');
    await monitor?.stop();
    await sample?.close();
    await replica?.destroy();
    await master?.destroy();
  });

  it('a write is answered once the replica holds it: the replica has it when the answer arrives', async () => {
    const client = sample.client();
    expect((await client.post('/api/login', { username: 'waited' })).status).toBe(200);
    for (let counter = 1; counter <= 5; counter++) {
      expect((await client.post('/api/counter')).body.counter).toBe(counter);
      // Read straight from the replica, with no wait of any kind in between.
      const onReplica = await replica.cli('hget', `sess:{${sessionIdOf(client)}}`, 'd:counter');
      expect(onReplica).toBe(String(counter));
    }
  });

  it('costs one WAIT per write, and nothing on a read', async () => {
    const client = sample.client();
    await client.post('/api/counter');
    const write = await monitor.roundTrips(() => client.post('/api/counter'));
    // The session's load, its save, then the WAIT.
    expect(write.commands.map((command) => command.name)).toEqual(['evalsha', 'evalsha', 'wait']);
    const read = await monitor.roundTrips(() => client.get('/api/session'));
    expect(read.commands.map((command) => command.name)).toEqual(['evalsha']);
  });

  it('with the replica unreachable, a write answers 503 and a read still answers; writes resume with it', async () => {
    const client = sample.client();
    expect((await client.post('/api/login', { username: 'paused' })).status).toBe(200);
    expect((await client.post('/api/counter')).body.counter).toBe(1);
    replica.signal('SIGSTOP');
    try {
      const refused = await client.post('/api/counter');
      expect(refused.status).toBe(503);
      expect(refused.body).toEqual({ statusCode: 503, message: 'session store unavailable' });
      const read = await client.get('/api/session');
      expect(read.status).toBe(200);
      expect(read.body).toMatchObject({ user: 'paused' });
      // A logout is a write too: not acknowledged while no replica holds it.
      expect((await client.post('/api/logout')).status).toBe(503);
    } finally {
      replica.signal('SIGCONT');
    }
    await waitFor(
      async () => (await client.post('/api/counter')).status === 200,
      'writes to be acknowledged again',
    );
    expect((await client.post('/api/logout')).status).toBe(204);
    expect((await client.get('/api/me')).status).toBe(401);
    // The operator is told why each write was refused.
    expect(
      logger.matching(
        /^Session store unavailable: redis: a write reached 0 of 1 replicas within 200 ms$/,
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });
});
