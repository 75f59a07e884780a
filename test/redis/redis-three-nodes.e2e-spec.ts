import { ADAPTERS } from '../support/adapters.js';
import { RedisServer } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { startRedisSample } from './redis-sample.js';
import { runSampleFlow } from './sample-flow.js';

// Three sample nodes on three ports share one Redis; one user is served by each in turn.
describe.each(ADAPTERS)('three sample nodes sharing one Redis ($name)', ({ name: adapter }) => {
  let redis: RedisServer;
  let nodes: RunningSample[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    nodes = await Promise.all(
      ['one', 'two', 'three'].map((name) =>
        startRedisSample(adapter, { redisUrl: redis.url, nodeName: `${adapter}-${name}` }),
      ),
    );
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
    await redis?.destroy();
  });

  it('serve one session interchangeably: counter, data keys, login, sessions, logout-others, logout', async () => {
    const browser = await runSampleFlow(
      nodes.map((node) => node.url),
      `user-${adapter}`,
    );
    expect(new Set(browser.servedBy)).toEqual(
      new Set([`${adapter}-one`, `${adapter}-two`, `${adapter}-three`]),
    );
  });
});
