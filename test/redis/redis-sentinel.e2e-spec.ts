import { ADAPTERS } from '../support/adapters.js';
import { RedisSentinelFixture, waitFor } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { startRedisSample } from './redis-sample.js';
import { RoundRobinClient } from './sample-flow.js';

// One master, one replica, one sentinel. Sessions are written on both platforms, then one forced
// failover (its full reconfiguration takes seconds, so it is shared), then each platform reads on.
describe('redis strategy behind Sentinel', () => {
  let sentinel: RedisSentinelFixture;
  const running = new Map<string, { sample: RunningSample; client: RoundRobinClient }>();
  let masterBefore: number;

  beforeAll(async () => {
    sentinel = await RedisSentinelFixture.start();
    for (const { name: adapter } of ADAPTERS) {
      const sample = await startRedisSample(adapter, {
        sessionOverrides: {
          redis: { sentinel: { sentinels: sentinel.sentinels, name: sentinel.masterName } },
        },
      });
      const client = new RoundRobinClient([sample.url]);
      running.set(adapter, { sample, client });
      expect((await client.post('/api/login', { username: `sentinel-${adapter}` })).status).toBe(
        200,
      );
      expect((await client.post('/api/counter')).body.counter).toBe(1);
      expect((await client.put('/api/data/note', { value: 'kept' })).status).toBe(200);
    }
    // Everything written so far is on the replica before it is promoted.
    expect(await sentinel.master.cli('wait', '1', '5000')).toBe('1');
    masterBefore = await sentinel.currentMasterPort();
    await sentinel.failover();
  });
  afterAll(async () => {
    await Promise.all([...running.values()].map(({ sample }) => sample.close()));
    await sentinel?.destroy();
  });

  it('the sentinel names a new master', async () => {
    expect(await sentinel.currentMasterPort()).not.toBe(masterBefore);
  });

  describe.each(ADAPTERS)('($name)', ({ name: adapter }) => {
    it('a session written before the failover is read and written after it, on the new master', async () => {
      const { client } = running.get(adapter)!;
      // Requests caught in the switch-over may get 503; then the session reads and writes as before.
      await waitFor(
        async () => (await client.get('/api/session')).status === 200,
        'the session to be readable',
      );
      expect((await client.get('/api/session')).body).toMatchObject({
        user: `sentinel-${adapter}`,
        counter: 1,
        data: { note: 'kept' },
      });
      await waitFor(
        async () => (await client.post('/api/counter')).status === 200,
        'writes on the new master',
      );
      expect((await client.get('/api/session')).body.counter).toBeGreaterThanOrEqual(2);
      await waitFor(
        async () => (await client.get('/health')).status === 200,
        'health on the new master',
      );
      expect((await client.get('/api/me')).body.user).toBe(`sentinel-${adapter}`);
    });
  });
});
