import { randomBytes } from 'node:crypto';
import { SESSION_STRATEGY } from '../../libs/session/src/session.tokens.js';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { startSample, TEST_SECRET, type RunningSample } from '../support/sample-app.js';
import { signSessionId } from '../support/signing.js';
import { waitFor } from '../replicated/support/in-process-cluster.js';
import type { ReplicatedSessionStore } from '../../libs/session/src/strategies/replicated/replicated-session.store.js';

// Attacks on the session id of the server-side strategies (memory, redis, replicated), on Express
// and Fastify: fixation (an id chosen by the attacker is never adopted; login() always changes the
// id) and flooding (sessions created as fast as one client can do not grow the memory store past
// memory.maxSessions, nor a replicated cluster past replication.maxSessions, and slow another user's
// reads by at most a stated ratio: app and clients share one process here, so the ratio measured is
// an upper bound of what a server sees).

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

/** Connections the flood uses in parallel, each creating a session per request. */
const FLOOD_CONNECTIONS = 16;
const FLOOD = 1500;
const MAX_SESSIONS = 200;
/**
 * The stated bound: under the flood, another user's median read is at most this many times its
 * median without it. One process serves both, one request at a time: a fair share of it, with 16
 * connections flooding, makes a read wait for up to 16 others (17x); three times that is allowed
 * (a quiet read takes well under a millisecond, so the ratio is noisy), and a flood that costs far
 * more than its share (an eviction scanning every session, a lock) fails.
 */
const MAX_SLOWDOWN = 3 * (FLOOD_CONNECTIONS + 1);

/**
 * Sequential reads by a logged-in user, each required to find its session: at least `n`, and on
 * until `until()` says stop. Their median and p99.
 */
async function victimLatency(victim: HttpClient, n: number, until: () => boolean = () => true) {
  const times: number[] = [];
  while (times.length < n || !until()) {
    const started = performance.now();
    const response = await victim.get('/api/session');
    times.push(performance.now() - started);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ user: 'victim' });
  }
  times.sort((a, b) => a - b);
  const at = (quantile: number) => times[Math.ceil(times.length * quantile) - 1];
  return { median: at(0.5), p99: at(0.99) };
}

/**
 * Creates FLOOD sessions as fast as FLOOD_CONNECTIONS connections can (no cookie sent back) while
 * `victim` keeps reading its own session until the flood ends; `sample` runs after each request.
 */
async function flood(url: string, victim: HttpClient, sample: () => void) {
  const quiet = await victimLatency(victim, 100);
  let created = 0;
  let done = false;
  const run = async () => {
    await Promise.all(
      Array.from({ length: FLOOD_CONNECTIONS }, async () => {
        while (created < FLOOD) {
          created++;
          const response = await fetch(`${url}/api/counter`, { method: 'POST' });
          await response.arrayBuffer();
          sample();
        }
      }),
    );
    done = true;
  };
  const [, loaded] = await Promise.all([run(), victimLatency(victim, 100, () => done)]);
  expect(created).toBeGreaterThanOrEqual(FLOOD);
  return { quiet, loaded, created };
}

/** Prints the flood's figures and checks the stated bound on the slowdown. */
function checkSlowdown(
  label: string,
  result: Awaited<ReturnType<typeof flood>>,
  peaks: string,
): void {
  const { quiet, loaded, created } = result;
  console.log(
    `session flooding (${label}, maxSessions ${MAX_SESSIONS}): ${created} sessions created, ${peaks}; ` +
      `another user's read: median ${quiet.median.toFixed(1)} -> ${loaded.median.toFixed(1)} ms ` +
      `(x${(loaded.median / quiet.median).toFixed(1)}, bound x${MAX_SLOWDOWN}), p99 ${quiet.p99.toFixed(1)} -> ${loaded.p99.toFixed(1)} ms. ` +
      `The flood evicts the least recently used sessions: a user idle during it may lose their session (SECURITY.md).`,
  );
  expect(loaded.median).toBeLessThanOrEqual(quiet.median * MAX_SLOWDOWN);
}

describe.each(ADAPTERS)('session flooding (%s, memory)', (adapter) => {
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

  it(`${FLOOD} sessions created as fast as one client can never hold more than memory.maxSessions (${MAX_SESSIONS}); a user reading meanwhile keeps their session`, async () => {
    const store = (sample.app.get(SESSION_STRATEGY) as { store: { size: number } }).store;
    const victim = sample.client();
    await victim.post('/api/login', { username: 'victim' });
    let peak = 0;
    const result = await flood(sample.url, victim, () => {
      peak = Math.max(peak, store.size);
    });
    expect(peak).toBeLessThanOrEqual(MAX_SESSIONS);
    expect(store.size).toBeLessThanOrEqual(MAX_SESSIONS);
    checkSlowdown(`${adapter}, memory`, result, `store peak ${peak}`);
  }, 120_000);
});

describe.each(ADAPTERS)('session flooding (%s, replicated, two nodes)', (adapter) => {
  let flooded: RunningSample;
  let peer: RunningSample;
  const stats = (node: RunningSample) =>
    (node.app.get(SESSION_STRATEGY) as { store: ReplicatedSessionStore }).store.stats();
  const liveSessions = (node: RunningSample): number => stats(node).liveSessions;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    const node = (port: number, peerPort: number, nodeName: string) =>
      startSample(adapter, {
        strategy: 'replicated',
        nodeName,
        sessionOverrides: {
          replication: {
            host: '127.0.0.1',
            port,
            peers: [`127.0.0.1:${peerPort}`],
            secret: TEST_SECRET,
            maxSessions: MAX_SESSIONS,
            timers: { joinTimeoutMs: 200, reconnectMinMs: 20 },
          },
        },
      });
    flooded = await node(portA, portB, 'a');
    peer = await node(portB, portA, 'b');
    await waitFor(
      () => stats(peer).ready && stats(flooded).peers.length === 1,
      10_000,
      'the two nodes to link',
    );
  });
  afterAll(async () => {
    await peer?.close();
    await flooded?.close();
  });

  it(`${FLOOD} sessions created on one node never leave more than replication.maxSessions (${MAX_SESSIONS}) live, nor as many tombstones, on either; the evictions replicate; a user reading meanwhile keeps their session on both`, async () => {
    const victim = flooded.client();
    await victim.post('/api/login', { username: 'victim' });
    let peakFlooded = 0;
    let peakPeer = 0;
    const result = await flood(flooded.url, victim, () => {
      peakFlooded = Math.max(peakFlooded, liveSessions(flooded));
      peakPeer = Math.max(peakPeer, liveSessions(peer));
    });
    expect(peakFlooded).toBeLessThanOrEqual(MAX_SESSIONS);
    // The peer applies each new session, then the eviction that followed it: one over, for a moment.
    expect(peakPeer).toBeLessThanOrEqual(MAX_SESSIONS + 1);
    expect(stats(flooded).evictions).toBeGreaterThanOrEqual(FLOOD - MAX_SESSIONS);
    // Each eviction leaves a tombstone; they are bounded by maxSessions as well, on both nodes.
    for (const node of [flooded, peer]) {
      expect(stats(node).tombstones).toBeLessThanOrEqual(MAX_SESSIONS);
      expect(stats(node).droppedTombstones).toBeGreaterThan(0);
    }
    // Both nodes end with the same sessions, and the victim's among them.
    await waitFor(
      () => liveSessions(peer) === liveSessions(flooded),
      10_000,
      'the peer to apply the evictions',
    );
    expect(liveSessions(peer)).toBeLessThanOrEqual(MAX_SESSIONS);
    const onPeer = new HttpClient(peer.url);
    onPeer.jar.set('sid', victim.jar.get('sid')!);
    expect((await onPeer.get('/api/me')).body).toMatchObject({ user: 'victim' });
    checkSlowdown(
      `${adapter}, replicated`,
      result,
      `live sessions peak ${peakFlooded} on the flooded node, ${peakPeer} on its peer`,
    );
  }, 120_000);
});
