import { randomBytes } from 'node:crypto';
import { SESSION_STRATEGY } from '../../libs/session/src/session.tokens.js';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { startSample, TEST_SECRET, type RunningSample } from '../support/sample-app.js';
import { signSessionId } from '../support/signing.js';

// Attacks on the session id of the server-side strategies (memory, redis, replicated), on Express
// and Fastify: fixation (an id chosen by the attacker is never adopted; login() always changes the
// id) and flooding (sessions created as fast as one client can do not grow the memory store past
// memory.maxSessions; the latency other users see meanwhile is measured and printed, not asserted:
// app and clients share one process here, so the ratio is an upper bound of what a server sees).

const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];
type ServerSide = 'memory' | 'redis' | 'replicated';
const STRATEGIES: readonly ServerSide[] = ['memory', 'redis', 'replicated'];

let redis: RedisServer;
beforeAll(async () => {
  redis = await RedisServer.start();
});
afterAll(async () => {
  await redis?.destroy();
});

async function start(adapter: HttpAdapterName, strategy: ServerSide): Promise<RunningSample> {
  switch (strategy) {
    case 'memory':
      return startSample(adapter, { strategy });
    case 'redis':
      return startSample(adapter, { strategy, redisUrl: redis.url });
    case 'replicated':
      // One node, no peers: the id handling is the same as in a cluster.
      return startSample(adapter, {
        strategy,
        replicationHost: '127.0.0.1',
        replicationPort: await freePort(),
        replicationTimers: { joinTimeoutMs: 200 },
      });
  }
}

/** The signed id the client holds (`sid=<id>.<signature>`). */
const idOf = (client: HttpClient): string | undefined => client.jar.get('sid')?.split('.')[0];
const randomId = (): string => randomBytes(24).toString('base64url');

describe.each(ADAPTERS)('session fixation (%s)', (adapter) => {
  describe.each(STRATEGIES)('%s', (strategy) => {
    let sample: RunningSample;
    beforeAll(async () => {
      sample = await start(adapter, strategy);
    });
    afterAll(async () => {
      await sample?.close();
    });

    const planted = (): Record<string, string> => ({
      'an id of the right shape, signed with the real secret, never issued': signSessionId(
        randomId(),
        TEST_SECRET,
      ),
      'an id of the right shape, signed with another secret': signSessionId(
        randomId(),
        'another-secret-that-is-long-enough-0123456789',
      ),
      'an id of the right shape, unsigned': randomId(),
      'an arbitrary string': 'attacker-chosen-session-id',
    });

    it.each(Object.keys(planted()))(
      'a cookie with %s is not adopted: a write creates a new id, the planted one stays unknown',
      async (label) => {
        const cookie = planted()[label];
        const plantedId = cookie.split('.')[0];
        const victim = sample.client();
        victim.jar.set('sid', cookie);
        const write = await victim.post('/api/counter');
        expect(write.status).toBe(200);
        expect(write.body.counter).toBe(1);
        expect(idOf(victim)).toBeDefined();
        expect(idOf(victim)).not.toBe(plantedId);
        // The attacker, holding the planted cookie, sees nothing of the victim's session.
        const attacker = sample.client();
        attacker.jar.set('sid', cookie);
        const read = await attacker.get('/api/session');
        expect(read.body).toMatchObject({ user: null, counter: 0 });
      },
    );

    it('login() always changes the id, and the cookie from before the login is then worthless', async () => {
      const attacker = sample.client();
      expect((await attacker.post('/api/counter')).status).toBe(200);
      const beforeLogin = attacker.jar.get('sid')!;
      // The attacker plants its own (real, anonymous) session in the victim's browser.
      const victim = sample.client();
      victim.jar.set('sid', beforeLogin);
      const login = await victim.post('/api/login', { username: 'victim' });
      expect(login.status).toBe(200);
      expect(victim.jar.get('sid')).toBeDefined();
      expect(idOf(victim)).not.toBe(beforeLogin.split('.')[0]);
      expect((await victim.get('/api/me')).body).toMatchObject({ user: 'victim' });
      // The attacker's copy of the pre-login cookie does not ride on the victim's login.
      expect((await attacker.get('/api/me')).status).toBe(401);
      // A second login (another user on the same browser) changes the id again.
      const previous = idOf(victim);
      expect((await victim.post('/api/login', { username: 'someone-else' })).status).toBe(200);
      expect(idOf(victim)).not.toBe(previous);
    });
  });
});

describe.each(ADAPTERS)('session flooding (%s, memory)', (adapter) => {
  const MAX_SESSIONS = 200;
  const FLOOD = 1500;
  let sample: RunningSample;
  beforeAll(async () => {
    sample = await startSample(adapter, {
      strategy: 'memory',
      sessionOverrides: { memory: { maxSessions: MAX_SESSIONS } },
    });
  });
  afterAll(async () => {
    await sample?.close();
  });

  /** Median and p99 of `n` sequential reads by a logged-in user. */
  async function victimLatency(victim: HttpClient, n: number) {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const response = await victim.get('/api/session');
      times.push(performance.now() - started);
      expect(response.status).toBe(200);
    }
    times.sort((a, b) => a - b);
    return { median: times[Math.floor(n / 2)], p99: times[Math.ceil(n * 0.99) - 1] };
  }

  it(`${FLOOD} sessions created as fast as one client can never hold more than memory.maxSessions (${MAX_SESSIONS})`, async () => {
    const store = (sample.app.get(SESSION_STRATEGY) as { store: { size: number } }).store;
    const victim = sample.client();
    await victim.post('/api/login', { username: 'victim' });
    const quiet = await victimLatency(victim, 100);
    let peak = 0;
    let created = 0;
    const flood = async () => {
      // 16 connections in parallel, each creating a session per request (no cookie sent back).
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (created < FLOOD) {
            created++;
            const response = await fetch(`${sample.url}/api/counter`, { method: 'POST' });
            await response.arrayBuffer();
            peak = Math.max(peak, store.size);
          }
        }),
      );
    };
    const [, loaded] = await Promise.all([flood(), victimLatency(victim, 100)]);
    expect(created).toBeGreaterThanOrEqual(FLOOD);
    expect(peak).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(store.size).toBeLessThanOrEqual(MAX_SESSIONS);
    console.log(
      `session flooding (${adapter}, memory, maxSessions ${MAX_SESSIONS}): ${created} sessions created, ` +
        `store peak ${peak}; another user's read: median ${quiet.median.toFixed(1)} -> ${loaded.median.toFixed(1)} ms ` +
        `(x${(loaded.median / quiet.median).toFixed(1)}), p99 ${quiet.p99.toFixed(1)} -> ${loaded.p99.toFixed(1)} ms ` +
        `(x${(loaded.p99 / quiet.p99).toFixed(1)}). The flood evicts the least recently used sessions: ` +
        `a user idle during it may lose their session (SECURITY.md).`,
    );
  }, 120_000);
});
