import { loadSampleConfig, SampleConfigError } from './sample.config.js';

const SECRET = 'x'.repeat(40);

describe('loadSampleConfig', () => {
  it('defaults: memory, express, port 3000, one random secret with a warning', () => {
    const warnings: string[] = [];
    const config = loadSampleConfig({}, (message) => warnings.push(message));
    expect(config).toMatchObject({
      strategy: 'memory',
      adapter: 'express',
      port: 3000,
      trustProxy: false,
    });
    expect(config.secrets).toHaveLength(1);
    expect(config.secrets[0].length).toBeGreaterThanOrEqual(32);
    expect(warnings[0]).toMatch(/SESSION_SECRET is not set/);
  });

  it('requires SESSION_SECRET in production', () => {
    expect(() => loadSampleConfig({ NODE_ENV: 'production' })).toThrow(
      /SESSION_SECRET is required/,
    );
  });

  it('reads every variable; secrets are comma-separated for rotation', () => {
    const config = loadSampleConfig({
      SESSION_STRATEGY: 'redis',
      HTTP_ADAPTER: 'fastify',
      PORT: '4000',
      NODE_NAME: 'node-a',
      SESSION_SECRET: `${SECRET}, ${SECRET}b`,
      SESSION_TTL: '60',
      REDIS_URL: 'redis://cache:6379',
      REPLICATION_PEERS: 'a:1, b:2,',
      TRUST_PROXY: 'true',
    });
    expect(config).toMatchObject({
      strategy: 'redis',
      adapter: 'fastify',
      port: 4000,
      nodeName: 'node-a',
      secrets: [SECRET, `${SECRET}b`],
      ttl: 60,
      redisUrl: 'redis://cache:6379',
      replicationPeers: ['a:1', 'b:2'],
      trustProxy: true,
    });
  });

  it('reads Redis Sentinel settings: sentinels as host:port, the master name defaulting to mymaster, and the replicas a write waits for', () => {
    expect(loadSampleConfig({ SESSION_SECRET: SECRET })).toMatchObject({
      redisSentinels: undefined,
      redisSentinelName: 'mymaster',
    });
    const config = loadSampleConfig({
      SESSION_SECRET: SECRET,
      REDIS_SENTINELS: 'sentinel-1:26379, 10.0.0.7:26380',
      REDIS_SENTINEL_NAME: 'sessions',
      REDIS_WAIT_REPLICAS: '1',
    });
    expect(config).toMatchObject({
      redisWaitReplicas: 1,
      redisSentinels: [
        { host: 'sentinel-1', port: 26379 },
        { host: '10.0.0.7', port: 26380 },
      ],
      redisSentinelName: 'sessions',
    });
  });

  it('reads the replication settings, defaulting to ack-all on 127.0.0.1', () => {
    expect(loadSampleConfig({ SESSION_SECRET: SECRET })).toMatchObject({
      replicationHost: '127.0.0.1',
      replicationConsistency: 'ack-all',
    });
    const config = loadSampleConfig({
      SESSION_SECRET: SECRET,
      REPLICATION_HOST: '10.0.0.5',
      REPLICATION_PORT: '4100',
      REPLICATION_SECRET: `${SECRET}r`,
      REPLICATION_CONSISTENCY: 'async',
      REPLICATION_TIMERS: '{"heartbeatMs":100}',
    });
    expect(config).toMatchObject({
      replicationHost: '10.0.0.5',
      replicationPort: 4100,
      replicationSecret: `${SECRET}r`,
      replicationConsistency: 'async',
      replicationTimers: { heartbeatMs: 100 },
    });
  });

  it.each([
    [{ SESSION_STRATEGY: 'mongo' }, /SESSION_STRATEGY=mongo/],
    [{ HTTP_ADAPTER: 'koa' }, /HTTP_ADAPTER=koa/],
    [{ PORT: 'eighty' }, /PORT=eighty/],
    [{ SESSION_TTL: '-1' }, /SESSION_TTL=-1/],
    [{ REDIS_SENTINELS: 'sentinel-1' }, /REDIS_SENTINELS: sentinel-1 is not host:port/],
    [{ REDIS_WAIT_REPLICAS: 'all' }, /REDIS_WAIT_REPLICAS=all/],
    [{ REDIS_SENTINELS: 'a:1,b:99999' }, /REDIS_SENTINELS: b:99999 is not host:port/],
    [{ REPLICATION_CONSISTENCY: 'sometimes' }, /REPLICATION_CONSISTENCY=sometimes/],
    [{ REPLICATION_TIMERS: '{oops' }, /REPLICATION_TIMERS is not JSON/],
    [{ REPLICATION_TIMERS: '[1]' }, /REPLICATION_TIMERS must be a JSON object/],
  ])('refuses %j with a clear message', (env, message) => {
    expect(() => loadSampleConfig({ SESSION_SECRET: SECRET, ...env })).toThrow(SampleConfigError);
    expect(() => loadSampleConfig({ SESSION_SECRET: SECRET, ...env })).toThrow(message);
  });
});
