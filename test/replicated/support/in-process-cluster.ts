import {
  ReplicatedSessionStore,
  type ReplicationOptions,
  type ReplicationTimers,
  type SessionChange,
} from 'nestjs-distributed-session';
import { resolveSessionOptions } from '../../../libs/session/src/session-options.js';
import { freePort } from '../../support/ports.js';
import { TEST_SECRET } from '../../support/sample-app.js';

export const CLUSTER_SECRET = 'replication-test-secret-0123456789abcdef';

/** Timers shrunk for tests: a silent peer is down in 1.5 s, digests compared every 500 ms. */
export const FAST_TIMERS: ReplicationTimers = {
  heartbeatMs: 100,
  suspectMs: 800,
  downMs: 1500,
  connectTimeoutMs: 500,
  handshakeTimeoutMs: 1000,
  joinTimeoutMs: 600,
  stateTransferTimeoutMs: 10_000,
  antiEntropyMs: 500,
  sweepMs: 200,
  reconnectMinMs: 50,
  reconnectMaxMs: 400,
};

export interface StoreSettings extends Partial<ReplicationOptions> {
  readonly clock?: () => number;
  readonly ttl?: number;
  readonly absoluteTtl?: number;
}

/** A replicated store in this process, listening on a free loopback port (real TCP to its peers). */
export async function startStore(settings: StoreSettings = {}): Promise<ReplicatedSessionStore> {
  const { clock, ttl, absoluteTtl, ...replication } = settings;
  const options = resolveSessionOptions({
    strategy: 'replicated',
    secret: TEST_SECRET,
    ttl,
    absoluteTtl,
    clock,
    replication: {
      host: '127.0.0.1',
      port: replication.port ?? (await freePort()),
      secret: CLUSTER_SECRET,
      ...replication,
      timers: { ...FAST_TIMERS, ...replication.timers },
    },
  });
  const { resolveReplicationOptions } = await import('nestjs-distributed-session');
  const store = new ReplicatedSessionStore({
    replication: resolveReplicationOptions(options),
    absoluteTtlMs: options.absoluteTtlMs,
    clock: options.clock,
  });
  await store.start();
  return store;
}

/** `size` stores that list each other as peers; resolves once all are ready. */
export async function startCluster(
  size: number,
  settings: StoreSettings = {},
): Promise<ReplicatedSessionStore[]> {
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const stores = await Promise.all(
    ports.map((port) =>
      startStore({
        ...settings,
        port,
        peers: ports.filter((other) => other !== port).map((other) => `127.0.0.1:${other}`),
      }),
    ),
  );
  await Promise.all(stores.map((store) => store.whenReady()));
  await waitFor(
    () => stores.every((store) => store.stats().peers.length === size - 1),
    10_000,
    'cluster links',
  );
  return stores;
}

/** Polls until `condition` holds, failing with `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'function' ? what() : what}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether every store has the same digest. */
export function converged(stores: readonly ReplicatedSessionStore[]): boolean {
  const first = stores[0].digest().join();
  return stores.every((store) => store.digest().join() === first);
}

const HOUR = 3_600_000;
const loadedAt = Date.now();

/** A `create` of a session with these data keys (JSON texts), alive for an hour (two at most). */
export function createChange(set: Record<string, string>): SessionChange {
  return {
    mode: 'create',
    set,
    deleted: [],
    principal: null,
    createdAt: loadedAt,
    expiresAt: loadedAt + HOUR,
    absoluteExpiresAt: loadedAt + 2 * HOUR,
  };
}
