import { Cluster, Redis } from 'ioredis';
import { RedisSessionStore } from 'nestjs-distributed-session';
import { describeSessionStoreConformance } from '../conformance/session-store.conformance.js';
import { RedisClusterFixture, RedisServer } from '../support/redis-server.js';

// The shared contract of server-side stores, against real Redis: one server, and a 3-master Cluster.

/** A store on a client the test owns (the store must not close it). */
function storeOn(client: Redis | Cluster) {
  const store = new RedisSessionStore({
    client,
    ownsClient: false,
    prefix: 'sess:',
    commandTimeoutMs: 1000,
    clock: Date.now,
  });
  return { store, cleanup: () => store.close() };
}
describe('redis store on a standalone server', () => {
  let server: RedisServer;
  let client: Redis;

  beforeAll(async () => {
    server = await RedisServer.start();
    client = new Redis(server.url, { enableOfflineQueue: false, commandTimeout: 2000 });
    await new Promise((resolve) => client.once('ready', resolve));
  });
  afterAll(async () => {
    await client.quit();
    await server.destroy();
  });

  describeSessionStoreConformance('redis', async () => storeOn(client));
});

describe('redis store on a Cluster', () => {
  let cluster: RedisClusterFixture;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await RedisClusterFixture.start(3);
    client = new Cluster(cluster.startupNodes, { redisOptions: { commandTimeout: 2000 } });
    await new Promise((resolve) => client.once('ready', resolve));
  });
  afterAll(async () => {
    await client.quit();
    await cluster.destroy();
  });

  describeSessionStoreConformance('redis cluster', async () => storeOn(client));
});
