import { Redis } from 'ioredis';
import { SessionOptionsError } from '../../session.errors.js';
import { resolveSessionOptions } from '../../session-options.js';
import type { RedisStrategyOptions } from './redis-strategy-options.interface.js';
import { redisStrategy } from './index.js';
import { resolveRedisOptions } from './redis-options.resolver.js';

const SECRET = 'unit-test-secret-that-is-long-enough-000';

function optionError(block: unknown): SessionOptionsError {
  try {
    resolveRedisOptions(block as RedisStrategyOptions);
  } catch (error) {
    if (error instanceof SessionOptionsError) return error;
    throw error;
  }
  throw new Error('expected a SessionOptionsError');
}

describe('resolveRedisOptions', () => {
  it('applies the defaults', () => {
    expect(resolveRedisOptions({ url: 'redis://127.0.0.1:6379' })).toMatchObject({
      prefix: 'sess:',
      commandTimeoutMs: 1000,
    });
  });

  it.each<[string, unknown, string]>([
    ['no block', undefined, 'redis'],
    ['no source', { prefix: 'x:' }, 'redis'],
    [
      'two sources',
      { url: 'redis://a', sentinel: { sentinels: [{ port: 1 }], name: 'm' } },
      'redis.sentinel',
    ],
    ['a URL of another scheme', { url: 'http://127.0.0.1:6379' }, 'redis.url'],
    [
      'options beside a cluster',
      { cluster: { nodes: [{ port: 1 }] }, options: {} },
      'redis.options',
    ],
    ['something that is not a client', { client: {} }, 'redis.client'],
    ['a cluster without nodes', { cluster: { nodes: [] } }, 'redis.cluster.nodes'],
    [
      'a sentinel set-up without sentinels',
      { sentinel: { sentinels: [], name: 'm' } },
      'redis.sentinel.sentinels',
    ],
    [
      'a sentinel set-up without a master name',
      { sentinel: { sentinels: [{ port: 1 }] } },
      'redis.sentinel.name',
    ],
    ['a prefix with braces', { url: 'redis://a', prefix: '{x}' }, 'redis.prefix'],
    ['a command timeout of 0', { url: 'redis://a', commandTimeoutMs: 0 }, 'redis.commandTimeoutMs'],
    [
      'a fractional session limit',
      { url: 'redis://a', maxSessionsPerPrincipal: 1.5 },
      'redis.maxSessionsPerPrincipal',
    ],
    [
      'waiting for 0 replicas',
      { url: 'redis://a', waitForReplicas: { replicas: 0 } },
      'redis.waitForReplicas.replicas',
    ],
    [
      'a replica wait as long as the command timeout',
      { url: 'redis://a', commandTimeoutMs: 500, waitForReplicas: { replicas: 1, timeoutMs: 500 } },
      'redis.waitForReplicas.timeoutMs',
    ],
    [
      'waiting for replicas on a Cluster',
      { cluster: { nodes: [{ port: 1 }] }, waitForReplicas: { replicas: 1 } },
      'redis.waitForReplicas',
    ],
  ])('refuses %s, naming the option', (_, block, option) => {
    expect(optionError(block).option).toBe(option);
  });

  it('waits for replicas 200 ms by default, and never as long as the command timeout', () => {
    expect(
      resolveRedisOptions({ url: 'redis://a', waitForReplicas: { replicas: 1 } }).waitForReplicas,
    ).toEqual({ replicas: 1, timeoutMs: 200 });
    expect(
      resolveRedisOptions({
        url: 'redis://a',
        commandTimeoutMs: 100,
        waitForReplicas: { replicas: 2 },
      }).waitForReplicas,
    ).toEqual({ replicas: 2, timeoutMs: 50 });
    expect(
      resolveRedisOptions({
        url: 'redis://a',
        commandTimeoutMs: 15,
        waitForReplicas: { replicas: 1 },
      }).waitForReplicas,
    ).toEqual({ replicas: 1, timeoutMs: 7 });
  });

  it('accepts options alone, a URL with options, and TLS URLs', () => {
    expect(() => resolveRedisOptions({ options: { host: '127.0.0.1' } })).not.toThrow();
    expect(() =>
      resolveRedisOptions({ url: 'rediss://cache.example:6380', options: { tls: {} } }),
    ).not.toThrow();
  });
});

describe('redisStrategy', () => {
  it('fails at start with a SessionOptionsError for an invalid block', async () => {
    const options = resolveSessionOptions({
      strategy: 'redis',
      secret: SECRET,
      redis: { url: 'redis://a', commandTimeoutMs: -1 },
    });
    await expect(Promise.resolve().then(() => redisStrategy.create(options))).rejects.toThrow(
      'SessionModule: invalid option "redis.commandTimeoutMs"',
    );
  });

  it('uses a client it is given without waiting for it, and does not close it', async () => {
    const client = new Redis({ lazyConnect: true });
    const strategy = await redisStrategy.create(
      resolveSessionOptions({ strategy: 'redis', secret: SECRET, redis: { client } }),
    );
    expect(strategy.name).toBe('redis');
    await strategy.close?.();
    expect(client.status).toBe('wait');
    expect(client.listenerCount('error')).toBe(0);
  });
});
