import { Redis } from 'ioredis';
import { ADAPTERS } from '../support/adapters.js';
import { RedisClusterFixture } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { CommandMonitor, type MonitoredCommand } from './command-monitor.js';
import { sessionIdOf, startRedisSample } from './redis-sample.js';
import { RoundRobinClient, runSampleFlow } from './sample-flow.js';

// The sample app on a real 3-master Redis Cluster.
describe('redis strategy on a Cluster', () => {
  let cluster: RedisClusterFixture;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start(3);
  });
  afterAll(async () => {
    await cluster?.destroy();
  });

  describe.each(ADAPTERS)('($name)', ({ name: adapter }) => {
    let nodes: RunningSample[] = [];

    beforeAll(async () => {
      const redis = { cluster: { nodes: cluster.startupNodes } };
      nodes = await Promise.all(
        ['a', 'b'].map((name) =>
          startRedisSample(adapter, {
            nodeName: `${adapter}-${name}`,
            sessionOverrides: { redis },
          }),
        ),
      );
    });
    afterAll(async () => {
      await Promise.all(nodes.map((node) => node.close()));
    });

    it('runs the sample flow: counter, data keys, login, sessions, logout-others, logout', async () => {
      await runSampleFlow(
        nodes.map((node) => node.url),
        `cluster-${adapter}`,
      );
    });

    it('round trips summed over the masters: read 1, write 2, login 4 (the rename spans two slots)', async () => {
      const monitors = await Promise.all(
        cluster.nodes.map((node) => CommandMonitor.start(node.url)),
      );
      try {
        const count = async (action: () => Promise<unknown>): Promise<MonitoredCommand[]> => {
          let commands: MonitoredCommand[] = [];
          const run = (index: number): Promise<unknown> =>
            index === monitors.length
              ? action()
              : monitors[index]
                  .roundTrips(() => run(index + 1))
                  .then((seen) => (commands = [...commands, ...seen.commands]));
          await run(0);
          return commands;
        };
        // Warm-up: the client connects to each master on first need (a handshake, not a round trip per request).
        for (let i = 0; i < 6; i++) {
          const warm = new RoundRobinClient([nodes[0].url]);
          await warm.post('/api/counter');
          await warm.post('/api/login', { username: `warm-cluster-${adapter}` });
        }
        const client = new RoundRobinClient([nodes[0].url]);
        await client.post('/api/counter');
        await client.get('/api/session');
        expect(await count(() => client.get('/api/session'))).toHaveLength(1);
        expect(await count(() => client.post('/api/counter'))).toHaveLength(2);
        const login = await count(() =>
          client.post('/api/login', { username: `rt-cluster-${adapter}` }),
        );
        expect(login).toHaveLength(4);
        expect(login.filter((command) => command.name === 'del')).toHaveLength(1);
      } finally {
        await Promise.all(monitors.map((monitor) => monitor.stop()));
      }
    });

    it('spreads sessions over the masters: every session key sits in its own slot', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) {
        const client = new RoundRobinClient([nodes[0].url]);
        await client.post('/api/counter');
        ids.push(sessionIdOf(client));
      }
      const holders = new Set<number>();
      for (const id of ids) {
        for (const node of cluster.nodes) {
          const direct = new Redis(node.port, '127.0.0.1', { lazyConnect: true });
          try {
            await direct.connect();
            const slot = await direct.cluster('KEYSLOT', `sess:{${id}}`);
            const owner = await direct.cluster('COUNTKEYSINSLOT', slot);
            if (Number(owner) > 0) holders.add(node.port);
          } finally {
            direct.disconnect();
          }
        }
      }
      expect(holders.size).toBeGreaterThan(1);
    });
  });
});
