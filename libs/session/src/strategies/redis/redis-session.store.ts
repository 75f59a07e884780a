import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { SessionOptionsError, SessionStoreUnavailableError } from '../../session.errors.js';
import type {
  SessionChange,
  SessionRecord,
  SessionStore,
  SessionSummary,
  SessionTouch,
} from '../../session-store.interface.js';
import { INDEX_PRUNE_THRESHOLD, REDIS_FORMAT_VERSION } from './redis.constants.js';
import { hasCommandTimeout } from './redis-client.factory.js';
import { toStoreError } from './redis-errors.js';
import {
  decodeSession,
  encodeChange,
  UnreadableSessionError,
  type StoredSession,
} from './redis-record.codec.js';
import { defineSessionScripts, type ScriptedClient } from './redis-scripts.js';

export interface RedisSessionStoreOptions {
  readonly client: Redis | Cluster;
  /** Whether `close()` closes the client (true only for clients the module created). */
  readonly ownsClient: boolean;
  readonly prefix: string;
  readonly commandTimeoutMs: number;
  readonly maxSessionsPerPrincipal?: number;
  /** A write is acknowledged only once this many replicas hold it (Redis `WAIT`). */
  readonly waitForReplicas?: { readonly replicas: number; readonly timeoutMs: number };
  readonly clock: () => number;
  readonly logger?: Logger;
}

/** Ids already reported as unreadable: each is logged once, however often it is requested. */
const MAX_REPORTED_IDS = 1000;

/**
 * Sessions in Redis, one hash per session (`<prefix>{<id>}`), each read, write, rename or
 * destroy one command: a Lua script or a plain command (see the README's storage layout). A
 * principal's sessions are indexed in a sorted set (`<prefix>principal:<name>`), written only when
 * a session gets a principal or a new id.
 */
export class RedisSessionStore implements SessionStore {
  private readonly client: ScriptedClient;
  private readonly logger: Logger;
  private readonly boundCalls: boolean;
  /** Whether `rename` may use one two-key script: not on a Cluster, where the two ids live in different slots. */
  private readonly atomicRename: boolean;
  private readonly reportedIds = new Set<string>();
  private outageLogged = false;
  private closing = false;

  constructor(private readonly options: RedisSessionStoreOptions) {
    this.client = defineSessionScripts(options.client);
    this.logger = options.logger ?? new Logger('SessionModule');
    this.boundCalls = !hasCommandTimeout(options.client);
    this.atomicRename = !options.client.isCluster;
    if (options.waitForReplicas && options.client.isCluster) {
      throw new SessionOptionsError(
        'redis.waitForReplicas',
        'is not supported with a Cluster client (WAIT would not reach the node of each key)',
      );
    }
    // Without an 'error' listener, a lost connection would crash the process.
    options.client.on('error', this.onClientError);
    options.client.on('reconnecting', this.onClientReconnecting);
    options.client.on('ready', this.onClientReady);
  }

  /** The Redis key of a session. The braces make it a hash tag: any per-session key shares its slot. */
  keyOf(id: string): string {
    return `${this.options.prefix}{${id}}`;
  }

  /** The Redis key of a principal's index. */
  indexKeyOf(principal: string): string {
    return `${this.options.prefix}principal:${principal}`;
  }

  async load(id: string, touch?: SessionTouch): Promise<SessionRecord | undefined> {
    const now = this.options.clock();
    const flat = await this.call(() =>
      this.client.sessionStoreLoad(
        this.keyOf(id),
        String(now),
        touch ? String(touch.expiresAt) : '',
        REDIS_FORMAT_VERSION,
      ),
    );
    const stored = this.decode(id, flat);
    if (!stored || stored.expiresAt <= now || stored.absoluteExpiresAt <= now) return undefined;
    return stored;
  }

  async save(id: string, change: SessionChange): Promise<boolean> {
    const now = this.options.clock();
    const written = await this.call(() =>
      this.client.sessionStoreSave(this.keyOf(id), ...encodeChange(change, now)),
    );
    if (written === -1) throw new Error('session id collision: a new session id is already stored');
    if (written === 0) return false;
    if (typeof change.principal === 'string')
      await this.indexSession(id, change.principal, change.absoluteExpiresAt, now);
    await this.onReplicas();
    return true;
  }

  async rename(fromId: string, toId: string, change: SessionChange): Promise<void> {
    const now = this.options.clock();
    const args = encodeChange(change, now);
    if (this.atomicRename) {
      const written = await this.call(() =>
        this.client.sessionStoreRename(this.keyOf(fromId), this.keyOf(toId), ...args),
      );
      if (written === -1)
        throw new Error('session id collision: a new session id is already stored');
    } else {
      // Cluster: the two ids hash to different slots, so no single command spans them. Creating the
      // new id before removing the old keeps the contract: never both missing, and the old id is gone
      // before the response (and its new cookie) leaves.
      const written = await this.call(() =>
        this.client.sessionStoreSave(this.keyOf(toId), ...args),
      );
      if (written === -1)
        throw new Error('session id collision: a new session id is already stored');
      await this.call(() => this.client.del(this.keyOf(fromId)));
    }
    if (typeof change.principal === 'string')
      await this.indexSession(toId, change.principal, change.absoluteExpiresAt, now);
    await this.onReplicas();
  }

  async destroy(id: string): Promise<void> {
    // Its index entry goes when the index is next read or pruned: listing checks every entry.
    await this.call(() => this.client.del(this.keyOf(id)));
    // A logout lost in a failover would bring the session back: it waits for replicas too.
    await this.onReplicas();
  }

  async listByPrincipal(principal: string): Promise<SessionSummary[]> {
    const now = this.options.clock();
    const ids = await this.call(() =>
      this.client.sessionStoreIndex(this.indexKeyOf(principal), String(now), '', '0'),
    );
    const live = await this.liveSessionsOf(principal, ids, now);
    return live.map(({ id, session }) => ({
      id,
      createdAt: session.createdAt,
      lastAccessedAt: session.lastAccessedAt,
      expiresAt: Math.min(session.expiresAt, session.absoluteExpiresAt),
    }));
  }

  async health(): Promise<{ ok: boolean; reason?: string }> {
    try {
      await this.call(() => this.client.ping());
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: error instanceof Error ? error.message : String(error) };
    }
  }

  async close(): Promise<void> {
    this.closing = true;
    this.options.client.off('ready', this.onClientReady);
    this.options.client.off('reconnecting', this.onClientReconnecting);
    if (!this.options.ownsClient) {
      this.options.client.off('error', this.onClientError);
      return;
    }
    try {
      await this.bounded(this.options.client.quit());
    } catch {
      // Redis is away: nothing to say goodbye to.
      this.options.client.disconnect();
    }
  }

  /**
   * Adds a session to its principal's index and, when the index is large or a limit applies,
   * removes entries of sessions that are gone and revokes the oldest sessions beyond the limit.
   * Runs after the session itself is written: on a Cluster the index lives in another slot.
   */
  private async indexSession(
    id: string,
    principal: string,
    absoluteExpiresAt: number,
    now: number,
  ): Promise<void> {
    const ids = await this.call(() =>
      this.client.sessionStoreIndex(
        this.indexKeyOf(principal),
        String(now),
        id,
        String(absoluteExpiresAt),
      ),
    );
    const limit = this.options.maxSessionsPerPrincipal;
    if (limit === undefined && ids.length <= INDEX_PRUNE_THRESHOLD) return;
    const live = await this.liveSessionsOf(principal, ids, now);
    if (limit === undefined || live.length <= limit) return;
    const others = live
      .filter((entry) => entry.id !== id)
      .sort((a, b) => a.session.createdAt - b.session.createdAt);
    const doomed = others.slice(0, live.length - limit).map((entry) => entry.id);
    await this.call(() =>
      Promise.all([
        ...doomed.map((doomedId) => this.client.del(this.keyOf(doomedId))),
        this.client.zrem(this.indexKeyOf(principal), ...doomed),
      ]),
    );
  }

  /** The indexed sessions that still exist and still belong to the principal; removes the other entries. */
  private async liveSessionsOf(
    principal: string,
    ids: readonly string[],
    now: number,
  ): Promise<{ id: string; session: StoredSession }[]> {
    // One command per session: on a Cluster each id lives in its own slot.
    const stored = await this.call(() =>
      Promise.all(ids.map((id) => this.client.hgetall(this.keyOf(id)))),
    );
    const live: { id: string; session: StoredSession }[] = [];
    const gone: string[] = [];
    ids.forEach((id, index) => {
      const session = this.decodeHash(id, stored[index]);
      const alive =
        session &&
        session.principal === principal &&
        session.expiresAt > now &&
        session.absoluteExpiresAt > now;
      if (alive) live.push({ id, session });
      else gone.push(id);
    });
    if (gone.length > 0)
      await this.call(() => this.client.zrem(this.indexKeyOf(principal), ...gone));
    return live;
  }

  /** A stored session, or `undefined` for none or for one that cannot be read (logged once per id). */
  private decode(id: string, flat: readonly string[]): StoredSession | undefined {
    try {
      return decodeSession(flat);
    } catch (error) {
      if (!(error instanceof UnreadableSessionError)) throw error;
      if (!this.reportedIds.has(id)) {
        if (this.reportedIds.size >= MAX_REPORTED_IDS) this.reportedIds.clear();
        this.reportedIds.add(id);
        this.logger.warn(
          `Ignoring the unreadable session stored at ${this.keyOf(id)}: ${error.message}`,
        );
      }
      return undefined;
    }
  }

  private decodeHash(id: string, hash: Record<string, string>): StoredSession | undefined {
    return this.decode(id, Object.entries(hash).flat());
  }

  /**
   * With `waitForReplicas`, returns once that many replicas hold every write made so far on this
   * connection (WAIT covers them all, whichever request made them); otherwise the write is not
   * acknowledged: 503. Without the option, returns at once.
   */
  private async onReplicas(): Promise<void> {
    const wait = this.options.waitForReplicas;
    if (!wait) return;
    const reached = await this.call(() => this.client.wait(wait.replicas, wait.timeoutMs));
    if (reached < wait.replicas) {
      // The manager logs this reason with each 503 it causes.
      throw new SessionStoreUnavailableError(
        `redis: a write reached ${reached} of ${wait.replicas} replicas within ${wait.timeoutMs} ms`,
      );
    }
  }

  /** Runs Redis calls, turning a connection that is down or slow into `SessionStoreUnavailableError`. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await (this.boundCalls ? this.bounded(operation()) : operation());
    } catch (error) {
      throw toStoreError(error);
    }
  }

  /** Bounds a call by `commandTimeoutMs`, for clients given without a command timeout of their own. */
  private bounded<T>(promise: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SessionStoreUnavailableError(
              `redis: no answer within ${this.options.commandTimeoutMs} ms`,
            ),
          ),
        this.options.commandTimeoutMs,
      );
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  }

  // ioredis reports every failed reconnect: one line per outage is enough, whichever comes first.
  private readonly onClientError = (error: Error): void => {
    this.reportOutage(`Redis connection error: ${error.message}`);
  };

  // Emitted only for a connection lost unasked, not when its owner quits it.
  private readonly onClientReconnecting = (): void => {
    if (!this.closing) this.reportOutage('Redis connection lost');
  };

  private reportOutage(what: string): void {
    if (this.outageLogged) return;
    this.outageLogged = true;
    this.logger.error(`${what}; session routes answer 503 until it is back`);
  }

  private readonly onClientReady = (): void => {
    if (!this.outageLogged) return;
    this.outageLogged = false;
    this.logger.log('Redis connection is back');
  };
}
