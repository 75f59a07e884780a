import { Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { SessionStoreUnavailableError } from '../../session.errors.js';
import type {
  SessionChange,
  SessionRecord,
  SessionStore,
  SessionSummary,
  SessionTouch,
} from '../../session-store.interface.js';
import { ClusterSecret } from './handshake.js';
import type { PeerConnection } from './peer-connection.js';
import {
  deltaFromUpdate,
  entryFromCreate,
  isExpired,
  mergeEntries,
  tombstone,
  toRecord,
  versionOf,
  type ReplicaEntry,
  type Stamp,
} from './replica-entry.js';
import type { ResolvedReplicationOptions } from './replication-options.js';
import { ReplicationTransport, type TransportStats } from './replication-transport.js';
import { DIGEST_BUCKETS, SessionReplicaMap, differingBuckets } from './session-replica-map.js';
import { decodeEntry, encodeEntry, type WireEntry } from './wire-entry.js';

export interface ReplicatedSessionStoreOptions {
  readonly replication: ResolvedReplicationOptions;
  /** The session's absolute lifetime: tombstones are kept at least this long. */
  readonly absoluteTtlMs: number;
  readonly clock: () => number;
}

/** What a node reports about itself (metrics, tests). */
export interface ReplicationStats extends TransportStats {
  readonly nodeId: string;
  readonly ready: boolean;
  /** Entries held: live sessions and tombstones. */
  readonly sessions: number;
  /** Live sessions held (bounded by `replication.maxSessions`). */
  readonly liveSessions: number;
  /** Sessions this node evicted to stay within `replication.maxSessions`. */
  readonly evictions: number;
  /** Ended sessions remembered, so that no late copy brings them back (bounded by `replication.maxSessions`). */
  readonly tombstones: number;
  /** Tombstones forgotten before their time to stay within that bound. */
  readonly droppedTombstones: number;
  /** `inSyncAt`: when the last anti-entropy round with the peer completed finding both digests equal. */
  readonly peers: { node: string; queuedBytes: number; needsResync: boolean; inSyncAt?: number }[];
  /** Largest outbound queue seen for any peer, in bytes. */
  readonly maxQueuedBytes: number;
  /** Writes that went on without an acknowledgement they waited for (a peer suspect, down or slow). */
  readonly ackTimeouts: number;
  readonly gapPulls: number;
}

interface PeerState {
  ready: boolean;
  /** The peer's frame limit (from its `meet`): batches sent to it stay under half of the smaller one. */
  maxFrameBytes: number;
  /** When our last digest went to this peer, until its answer ends: one anti-entropy round in flight per peer. */
  digestSentAt?: number;
  /** Whether a list came back in the current round: none means both digests were equal. */
  listsThisRound: number;
  /** When the last round completed finding both digests equal (the peer held exactly what this node held). */
  inSyncAt?: number;
}

type BufferedChange = { id: string; entry: ReplicaEntry } | { id: string; touch: number };

interface PendingAck {
  readonly waiting: Set<string>;
  needed: number;
  readonly done: () => void;
}

/** Changes buffered during a state transfer beyond this are dropped and repaired by anti-entropy. */
const MAX_BUFFERED_CHANGES = 200_000;
/** Least time an eviction's tombstone is kept (at least three anti-entropy rounds). */
const EVICTION_TOMBSTONE_MS = 60_000;
const DIGEST_PATTERN = /^[0-9a-f]{16}$/;

export class ReplicationMessageError extends Error {
  override readonly name = 'ReplicationMessageError';
}

/**
 * Every session in this process's memory, replicated to every peer (Tomcat's DeltaManager shape):
 * reads are local; a write is applied here, then sent to all peers as a versioned delta. Each entry
 * merges by the join of `replica-entry.ts`, so all nodes converge whatever the order of arrival;
 * digests repair what a partition, a drop or an overflow lost. A starting node serves nothing (its
 * `health()` says `joining cluster`, its reads answer 503) until it holds a full copy.
 */
export class ReplicatedSessionStore implements SessionStore {
  readonly nodeId = randomBytes(16).toString('hex');
  private readonly logger = new Logger('SessionReplication');
  private readonly map = new SessionReplicaMap();
  private readonly transport: ReplicationTransport;
  private readonly peerStates = new WeakMap<PeerConnection, PeerState>();
  private readonly pendingAcks = new Map<number, PendingAck>();
  /**
   * When each live session was last used here, least recent first: a Map keeps insertion order and
   * every use moves the id to the end, so the first entries are the ones to evict.
   */
  private readonly lastAccessedAt = new Map<string, number>();
  private evictions = 0;
  private droppedTombstones = 0;
  private readonly replicatedExpiry = new Map<string, number>();
  private readonly timers: NodeJS.Timeout[] = [];
  private lamport = 0;
  private nextAckId = 1;
  private ready = false;
  private closed = false;
  private joinTimer?: NodeJS.Timeout;
  private transferTimer?: NodeJS.Timeout;
  private snapshotSource?: string;
  private buffered: BufferedChange[] = [];
  private maxQueuedBytes = 0;
  private ackTimeouts = 0;
  private gapPulls = 0;

  constructor(private readonly options: ReplicatedSessionStoreOptions) {
    const { replication } = options;
    this.transport = new ReplicationTransport(
      {
        nodeId: this.nodeId,
        secret: new ClusterSecret(replication.secret),
        encrypted: replication.encrypted,
        maxFrameBytes: replication.maxFrameBytes,
        maxQueueBytes: replication.maxQueueBytes,
        handshakeTimeoutMs: replication.timers.handshakeTimeoutMs,
        host: replication.host,
        port: replication.port,
        maxPendingHandshakesPerIp: replication.maxPendingHandshakesPerIp,
        maxPendingHandshakes: replication.maxPendingHandshakesPerIp * 8,
        connectTimeoutMs: replication.timers.connectTimeoutMs,
        reconnectMinMs: replication.timers.reconnectMinMs,
        reconnectMaxMs: replication.timers.reconnectMaxMs,
        idleCheckMs: replication.timers.heartbeatMs,
      },
      {
        linkUp: (link) => this.onLinkUp(link),
        message: (link, message) => this.onMessage(link, message),
        linkDown: (link, reason) => this.onLinkDown(link, reason),
        resync: (link) => this.resync(link),
      },
    );
  }

  /** Listens for peers, dials them and starts joining the cluster; resolves once listening (not once ready). */
  async start(): Promise<void> {
    const { replication } = this.options;
    await this.transport.listen();
    if (!replication.encrypted)
      this.logger.warn('replication frames are NOT encrypted (insecure: true, loopback only)');
    this.transport.addTargets(replication.peers);
    if (replication.dns) {
      const resolve = () => void this.resolveDns();
      resolve();
      this.every(replication.timers.dnsIntervalMs, resolve);
    }
    const { timers } = replication;
    this.every(timers.heartbeatMs, () => this.heartbeat());
    this.every(timers.antiEntropyMs, () => this.antiEntropyWithAll());
    this.every(timers.sweepMs, () => this.sweep());
    if (replication.peers.length === 0 && !replication.dns) {
      this.becomeReady('no peers configured');
      return;
    }
    this.armJoinTimer();
  }

  /** The address peers reach this node on. */
  get address(): { host: string; port: number } {
    return this.transport.address;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /** Resolves once the node holds a full copy and serves. */
  whenReady(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => (this.ready || this.closed ? resolve() : setTimeout(check, 20).unref());
      check();
    });
  }

  stats(): ReplicationStats {
    const peers = this.transport.peers.map((link) => ({
      node: link.remoteNode,
      queuedBytes: link.queuedBytes,
      needsResync: link.needsResync,
      inSyncAt: this.peerStates.get(link)?.inSyncAt,
    }));
    return {
      ...this.transport.stats,
      nodeId: this.nodeId,
      ready: this.ready,
      sessions: this.map.size,
      liveSessions: this.lastAccessedAt.size,
      evictions: this.evictions,
      tombstones: this.map.tombstoneCount,
      droppedTombstones: this.droppedTombstones,
      peers,
      maxQueuedBytes: this.maxQueuedBytes,
      ackTimeouts: this.ackTimeouts,
      gapPulls: this.gapPulls,
    };
  }

  /** The anti-entropy digest of this node (equal digests: equal sessions, expiry aside). */
  digest(): string[] {
    return this.map.digest();
  }

  /** Test hook of the transport: drop all traffic to and from these nodes until `heal()`. */
  dropTrafficWith(nodes: Iterable<string>): void {
    this.transport.dropTrafficWith(nodes);
  }

  heal(): void {
    this.transport.heal();
  }

  // ---- SessionStore -------------------------------------------------------------------------

  async load(id: string, touch?: SessionTouch): Promise<SessionRecord | undefined> {
    this.assertServing();
    const now = this.options.clock();
    const entry = this.map.get(id);
    if (!entry || entry.kind === 'dead' || isExpired(entry, now)) return undefined;
    const record = toRecord(entry);
    this.noteUse(id, now);
    const extended = touch ? this.map.extendExpiry(id, touch.expiresAt) : undefined;
    if (extended) {
      const lastSent = this.replicatedExpiry.get(id) ?? entry.expiresAt;
      if (extended.expiresAt - lastSent >= this.options.replication.touchThrottleMs) {
        this.replicatedExpiry.set(id, extended.expiresAt);
        this.broadcast({ t: 'touch', s: id, e: extended.expiresAt });
      }
    }
    return record;
  }

  async save(id: string, change: SessionChange): Promise<boolean> {
    this.assertServing();
    const sent = this.applyLocal(id, change);
    if (!sent) return false;
    await sent;
    return true;
  }

  async rename(fromId: string, toId: string, change: SessionChange): Promise<void> {
    this.assertServing();
    // The new id is written before the old one dies: at no moment are both missing.
    const created = this.applyLocal(toId, { ...change, mode: 'create' });
    const destroyed = this.destroyLocal(fromId);
    await Promise.all([created, destroyed]);
  }

  async destroy(id: string): Promise<void> {
    this.assertServing();
    await this.destroyLocal(id);
  }

  async listByPrincipal(principal: string): Promise<SessionSummary[]> {
    this.assertServing();
    const now = this.options.clock();
    const summaries: SessionSummary[] = [];
    for (const id of this.map.idsOfPrincipal(principal)) {
      const entry = this.map.get(id);
      if (!entry || entry.kind === 'dead' || isExpired(entry, now)) continue;
      summaries.push({
        id,
        createdAt: entry.createdAt,
        lastAccessedAt: this.lastAccessedAt.get(id) ?? entry.createdAt,
        expiresAt: entry.expiresAt,
      });
    }
    return summaries;
  }

  async health(): Promise<{ ok: boolean; reason?: string }> {
    if (this.closed) return { ok: false, reason: 'closed' };
    return this.ready ? { ok: true } : { ok: false, reason: 'joining cluster' };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearInterval(timer);
    clearTimeout(this.joinTimer);
    clearTimeout(this.transferTimer);
    for (const link of this.transport.peers) link.send({ t: 'leave' });
    for (const pending of [...this.pendingAcks.values()]) pending.done();
    await this.transport.close();
  }

  // ---- local writes -------------------------------------------------------------------------

  private assertServing(): void {
    if (this.closed) throw new SessionStoreUnavailableError('replicated store closed');
    if (!this.ready) throw new SessionStoreUnavailableError('joining cluster');
  }

  private tick(seen: Stamp): Stamp {
    this.lamport = Math.max(this.lamport, seen.v) + 1;
    return { v: this.lamport, n: this.nodeId };
  }

  /** Applies a write here and replicates it; `undefined` when an update found no session. */
  private applyLocal(id: string, change: SessionChange): Promise<void> | undefined {
    const now = this.options.clock();
    const existing = this.map.get(id);
    if (change.mode === 'create') {
      if (existing && !isExpired(existing, now)) throw new Error('session id collision');
      const entry = entryFromCreate(change, this.tick(versionOf(undefined)));
      this.assertSize(id, entry);
      if (existing) this.map.delete(id);
      this.map.merge(id, entry);
      this.replicatedExpiry.set(id, entry.expiresAt);
      this.noteUse(id, now);
      const replicated = this.replicate(id, entry, 0);
      this.evictBeyondBound();
      return replicated;
    }
    if (!existing || existing.kind === 'dead' || isExpired(existing, now)) return undefined;
    const base = versionOf(existing);
    const delta = deltaFromUpdate(existing, change, this.tick(base));
    this.assertSize(id, mergeEntries(existing, delta));
    this.map.merge(id, delta);
    this.replicatedExpiry.set(id, delta.expiresAt);
    return this.replicate(id, delta, base.v);
  }

  private destroyLocal(id: string): Promise<void> {
    const existing = this.map.get(id);
    const liveUntil = existing?.kind === 'live' ? existing.absoluteExpiresAt : 0;
    // Kept at least a whole session lifetime, so no late write, nor a peer that was cut off while
    // the user logged out, can bring the session back.
    return this.kill(id, Math.max(liveUntil, this.options.clock() + this.options.absoluteTtlMs));
  }

  /** Ends a session here and everywhere with a tombstone kept until `keepUntil`. */
  private kill(id: string, keepUntil: number): Promise<void> {
    const existing = this.map.get(id);
    const base = versionOf(existing);
    const dead = tombstone(this.tick(base), keepUntil);
    this.map.merge(id, dead);
    this.lastAccessedAt.delete(id);
    this.replicatedExpiry.delete(id);
    this.boundTombstones();
    return this.replicate(id, dead, base.v);
  }

  /**
   * Tombstones are bounded too, at `maxSessions`: a client that creates and ends sessions as fast as
   * it can would otherwise pile up tombstones kept a whole session lifetime. The oldest go first. A
   * tombstone dropped early lets the session come back only from a peer that held a live copy and
   * missed the end of the session all that time (cut off, and not repaired by anti-entropy since).
   */
  private boundTombstones(): void {
    this.droppedTombstones += this.map.dropOldestTombstones(this.options.replication.maxSessions);
  }

  /** Moves a live session to the most recently used end of the eviction order. */
  private noteUse(id: string, at: number): void {
    this.lastAccessedAt.delete(id);
    this.lastAccessedAt.set(id, at);
  }

  /**
   * Beyond `maxSessions` live sessions, evicts the least recently used ones, as the memory strategy
   * does, and replicates each eviction: the peers, which hold the same sessions, drop them too
   * rather than each evicting its own. The tombstone is short-lived (an eviction is no logout: a
   * copy coming back later would do no harm) but outlives the anti-entropy rounds that could
   * otherwise restore the session from a peer that had not applied it yet; tombstones are bounded
   * besides (`boundTombstones`). The write that caused the eviction does not wait for it to be
   * acknowledged.
   */
  private evictBeyondBound(): void {
    const { maxSessions, timers } = this.options.replication;
    if (this.lastAccessedAt.size <= maxSessions) return;
    const now = this.options.clock();
    const keepUntil = now + Math.max(EVICTION_TOMBSTONE_MS, 3 * timers.antiEntropyMs);
    for (const id of this.lastAccessedAt.keys()) {
      if (this.lastAccessedAt.size <= maxSessions) break;
      const entry = this.map.get(id);
      if (entry?.kind === 'live' && !isExpired(entry, now)) {
        this.evictions++;
        void this.kill(id, keepUntil);
      }
      this.lastAccessedAt.delete(id);
    }
  }

  private assertSize(id: string, entry: ReplicaEntry): void {
    const bytes = Buffer.byteLength(JSON.stringify(encodeEntry(id, entry)));
    if (bytes > this.options.replication.maxSessionBytes) {
      throw new RangeError(
        `session of ${bytes} bytes exceeds replication.maxSessionBytes (${this.options.replication.maxSessionBytes})`,
      );
    }
  }

  /** Sends a change to every peer and waits as `consistency` says (never past the suspect time). */
  private replicate(id: string, entry: ReplicaEntry, base: number): Promise<void> {
    const { consistency, timers } = this.options.replication;
    const e = encodeEntry(id, entry);
    if (consistency === 'async') {
      this.broadcast({ t: 'delta', e, b: base });
      return Promise.resolve();
    }
    const ackId = this.nextAckId++;
    const now = Date.now();
    const waiting = new Set<string>();
    for (const link of this.transport.peers) {
      const live = now - link.lastReceivedAt < timers.suspectMs;
      if (link.send({ t: 'delta', e, b: base, a: ackId }) && live) waiting.add(link.remoteNode);
      this.noteQueue(link);
    }
    if (waiting.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.ackTimeouts++;
        finish();
      }, timers.suspectMs);
      const finish = () => {
        clearTimeout(timer);
        this.pendingAcks.delete(ackId);
        resolve();
      };
      this.pendingAcks.set(ackId, {
        waiting,
        needed: consistency === 'ack-one' ? 1 : waiting.size,
        done: finish,
      });
    });
  }

  private broadcast(message: object): void {
    for (const link of this.transport.peers) {
      link.send(message);
      this.noteQueue(link);
    }
  }

  private noteQueue(link: PeerConnection): void {
    const queued = link.queuedBytes;
    if (queued > this.maxQueuedBytes) this.maxQueuedBytes = queued;
    if (link.needsResync && !this.overflowed.has(link)) {
      this.overflowed.add(link);
      this.transport.stats.queueOverflows++;
      this.logger.warn(`replication queue to ${link.remoteNode} overflowed: it will be resynced`);
    }
  }

  private readonly overflowed = new WeakSet<PeerConnection>();
  private readonly pendingPulls = new Map<PeerConnection, Set<string>>();

  // ---- membership and join ------------------------------------------------------------------

  private onLinkUp(link: PeerConnection): void {
    this.peerStates.set(link, {
      ready: false,
      maxFrameBytes: this.options.replication.maxFrameBytes,
      listsThisRound: 0,
    });
    const { host, port } = this.transport.address;
    link.send({
      t: 'meet',
      listen: `${host}:${port}`,
      ready: this.ready,
      maxFrameBytes: this.options.replication.maxFrameBytes,
    });
  }

  private onLinkDown(link: PeerConnection, reason: string): void {
    this.logger.log(`replication link to ${link.remoteNode} down: ${reason}`);
    for (const pending of [...this.pendingAcks.values()]) {
      if (pending.waiting.delete(link.remoteNode) && pending.waiting.size < pending.needed) {
        pending.needed = pending.waiting.size;
        if (pending.needed === 0) pending.done();
      }
    }
    if (!this.ready && this.snapshotSource === link.remoteNode) {
      this.snapshotSource = undefined;
      clearTimeout(this.transferTimer);
      this.logger.warn(`state transfer from ${link.remoteNode} interrupted`);
      // Another ready peer takes over; otherwise the first to (re)connect does, or the join timeout ends the wait.
      if (!this.requestSnapshotFromAnyReadyPeer()) this.armJoinTimer();
    }
  }

  /** With no snapshot under way when it fires, the node starts with what it holds (empty: the first node). */
  private armJoinTimer(): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = setTimeout(() => {
      if (this.ready || this.snapshotSource !== undefined) return;
      const why =
        this.map.size === 0
          ? 'no ready peer answered: starting as the first node'
          : 'no ready peer left to finish the state transfer';
      this.becomeReady(why);
    }, this.options.replication.timers.joinTimeoutMs);
  }

  private peerIsReady(link: PeerConnection): boolean {
    return this.peerStates.get(link)?.ready ?? false;
  }

  private requestSnapshotFromAnyReadyPeer(): boolean {
    const candidates = this.transport.peers
      .filter((link) => this.peerIsReady(link))
      .sort((a, b) => (a.remoteNode < b.remoteNode ? -1 : 1));
    if (candidates.length === 0) return false;
    this.requestSnapshot(candidates[0]);
    return true;
  }

  private requestSnapshot(link: PeerConnection): void {
    this.snapshotSource = link.remoteNode;
    this.logger.log(`joining: state transfer from ${link.remoteNode}`);
    link.send({ t: 'snap-req' });
    this.armTransferTimer();
  }

  private armTransferTimer(): void {
    clearTimeout(this.transferTimer);
    this.transferTimer = setTimeout(() => {
      this.logger.error('state transfer timed out: starting with what arrived');
      this.finishJoin();
    }, this.options.replication.timers.stateTransferTimeoutMs);
  }

  private finishJoin(): void {
    clearTimeout(this.transferTimer);
    const changes = this.buffered;
    this.buffered = [];
    for (const change of changes) {
      if ('entry' in change) this.mergeRemote(change.id, change.entry);
      else this.touchRemote(change.id, change.touch);
    }
    this.becomeReady(`state transfer complete (${this.map.size} entries)`);
  }

  private becomeReady(why: string): void {
    if (this.ready || this.closed) return;
    clearTimeout(this.joinTimer);
    clearTimeout(this.transferTimer);
    this.snapshotSource = undefined;
    this.ready = true;
    this.logger.log(`replication node ${this.nodeId} ready: ${why}`);
    for (const link of this.transport.peers) {
      link.send({ t: 'ready' });
      if (this.peerIsReady(link)) this.sendDigest(link);
    }
  }

  private async resolveDns(): Promise<void> {
    const dns = this.options.replication.dns!;
    try {
      const answers = await lookup(dns.name, { all: true });
      this.transport.addTargets(
        answers.map((answer) => ({ host: answer.address, port: dns.port })),
      );
    } catch (error) {
      this.logger.warn(`replication: cannot resolve ${dns.name}: ${(error as Error).message}`);
    }
  }

  // ---- incoming -----------------------------------------------------------------------------

  private onMessage(link: PeerConnection, message: Record<string, unknown>): void {
    if (this.closed) return;
    try {
      this.handle(link, message);
    } catch (error) {
      // A well-authenticated peer sending a malformed message is a bug or an attack: fail closed.
      link.close(`rejected frame: ${(error as Error).message}`);
    }
  }

  private handle(link: PeerConnection, message: Record<string, unknown>): void {
    switch (message.t) {
      case 'ping':
        return;
      case 'meet': {
        if (typeof message.listen === 'string')
          this.transport.setListenAddress(link, message.listen);
        const state = this.peerStates.get(link);
        if (
          state &&
          Number.isSafeInteger(message.maxFrameBytes) &&
          (message.maxFrameBytes as number) >= 64 * 1024
        ) {
          state.maxFrameBytes = message.maxFrameBytes as number;
        }
        if (message.ready === true) this.onPeerReady(link);
        return;
      }
      case 'ready':
        return this.onPeerReady(link);
      case 'delta': {
        const { id, entry } = decodeEntry(message.e);
        const base = message.b;
        if (!Number.isSafeInteger(base) || (base as number) < 0)
          throw new ReplicationMessageError('bad base version');
        if (this.ready) {
          const before = versionOf(this.map.get(id)).v;
          this.mergeRemote(id, entry);
          // A gap: this node missed an earlier change of the session; pull the whole of it.
          if (entry.kind === 'live' && (base as number) > before) this.pullLater(link, id);
        } else {
          this.bufferChange({ id, entry });
        }
        if (message.a !== undefined) {
          if (!Number.isSafeInteger(message.a)) throw new ReplicationMessageError('bad ack id');
          link.send({ t: 'ack', a: message.a });
        }
        return;
      }
      case 'touch': {
        const id = message.s;
        const expiresAt = message.e;
        if (typeof id !== 'string' || id.length > 128 || !Number.isSafeInteger(expiresAt))
          throw new ReplicationMessageError('bad touch');
        if (this.ready) this.touchRemote(id, expiresAt as number);
        else this.bufferChange({ id, touch: expiresAt as number });
        return;
      }
      case 'ack': {
        const pending = this.pendingAcks.get(message.a as number);
        if (pending?.waiting.delete(link.remoteNode)) {
          pending.needed--;
          if (pending.needed <= 0 || pending.waiting.size === 0) pending.done();
        }
        return;
      }
      case 'snap-req':
        if (this.ready) {
          this.streamSnapshot(link).catch((error: unknown) =>
            link.close(`state transfer failed: ${(error as Error).message}`),
          );
        } else link.send({ t: 'snap-end', refused: true });
        return;
      case 'snap':
        if (this.ready || this.snapshotSource !== link.remoteNode) return;
        for (const raw of asList(message.es)) {
          const { id, entry } = decodeEntry(raw);
          this.mergeRemote(id, entry);
        }
        this.armTransferTimer();
        return;
      case 'snap-end':
        if (this.ready || this.snapshotSource !== link.remoteNode) return;
        if (message.refused === true) {
          this.snapshotSource = undefined;
          clearTimeout(this.transferTimer);
          this.requestSnapshotFromAnyReadyPeer();
          return;
        }
        return this.finishJoin();
      case 'digest':
        return this.onDigest(link, message);
      case 'list':
        return this.onList(link, message);
      case 'digest-done': {
        const state = this.peerStates.get(link);
        if (state?.digestSentAt !== undefined) {
          state.digestSentAt = undefined;
          state.inSyncAt = state.listsThisRound === 0 ? Date.now() : undefined;
        }
        return;
      }
      case 'pull': {
        const ids = asList(message.s).filter((id): id is string => typeof id === 'string');
        this.sendEntries(link, ids);
        return;
      }
      case 'entries':
        for (const raw of asList(message.es)) {
          const { id, entry } = decodeEntry(raw);
          if (this.ready) this.mergeRemote(id, entry);
          else this.bufferChange({ id, entry });
        }
        return;
      case 'leave':
        link.close('peer left');
        return;
      default:
        throw new ReplicationMessageError(`unknown message type`);
    }
  }

  /** Gap pulls are gathered and sent once per turn of the event loop, so a burst of gaps costs a few frames. */
  private pullLater(link: PeerConnection, id: string): void {
    let ids = this.pendingPulls.get(link);
    if (!ids) {
      this.pendingPulls.set(link, (ids = new Set()));
      setImmediate(() => {
        this.pendingPulls.delete(link);
        const all = [...ids!];
        for (let i = 0; i < all.length && link.isOpen; i += 2000)
          link.send({ t: 'pull', s: all.slice(i, i + 2000) });
      });
    }
    if (!ids.has(id)) {
      ids.add(id);
      this.gapPulls++;
    }
  }

  private onPeerReady(link: PeerConnection): void {
    const state = this.peerStates.get(link);
    if (!state || state.ready) return;
    state.ready = true;
    if (this.ready) this.sendDigest(link);
    else if (this.snapshotSource === undefined) this.requestSnapshot(link);
  }

  private bufferChange(change: BufferedChange): void {
    if (this.buffered.length >= MAX_BUFFERED_CHANGES) return; // repaired by anti-entropy once ready
    this.buffered.push(change);
  }

  /** Joins a peer's state of a session into ours. */
  private mergeRemote(id: string, entry: ReplicaEntry): void {
    const now = this.options.clock();
    if (!this.map.get(id) && isExpired(entry, now)) return;
    this.lamport = Math.max(this.lamport, versionOf(entry).v);
    const merged = this.map.merge(id, entry);
    if (merged?.kind === 'live') {
      this.replicatedExpiry.set(id, Math.max(this.replicatedExpiry.get(id) ?? 0, merged.expiresAt));
      // A session new here joins the eviction order at the recent end; a known one keeps its place.
      if (!this.lastAccessedAt.has(id)) this.lastAccessedAt.set(id, merged.createdAt);
    } else if (merged?.kind === 'dead') {
      this.lastAccessedAt.delete(id);
      this.replicatedExpiry.delete(id);
      this.boundTombstones();
    }
  }

  /** A touch moves the expiry only (a max-register), never the data version. */
  private touchRemote(id: string, expiresAt: number): void {
    const extended = this.map.extendExpiry(id, expiresAt);
    if (!extended) return;
    this.replicatedExpiry.set(id, Math.max(this.replicatedExpiry.get(id) ?? 0, extended.expiresAt));
    // Used on another node: not a candidate for eviction here either.
    this.noteUse(id, this.options.clock());
  }

  // ---- state transfer and anti-entropy ------------------------------------------------------

  /** Streams every entry in chunks, pacing on the socket's drain rather than a fixed sleep. */
  private async streamSnapshot(link: PeerConnection): Promise<void> {
    const all = [...this.map.entries()];
    const chunk = this.options.replication.snapshotChunkSessions;
    let batch: WireEntry[] = [];
    let bytes = 0;
    // Chunks and the wait threshold stay well under the queue bound, so a snapshot never overflows it.
    const limit = this.batchLimit(link);
    const highWater = this.options.replication.maxQueueBytes / 4;
    const flush = async () => {
      if (batch.length === 0) return;
      while (link.isOpen && link.queuedBytes > highWater) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 50);
          link.socket.once('drain', () => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      link.send({ t: 'snap', es: batch });
      batch = [];
      bytes = 0;
    };
    for (const [id, entry] of all) {
      if (!link.isOpen || this.closed) return;
      const wire = encodeEntry(id, entry);
      const size = JSON.stringify(wire).length;
      if (batch.length >= chunk || bytes + size > limit) await flush();
      batch.push(wire);
      bytes += size;
    }
    await flush();
    link.send({ t: 'snap-end' });
  }

  /** Bytes of entries per frame to this peer: under half of either side's frame limit and a quarter of the queue. */
  private batchLimit(link: PeerConnection): number {
    const { maxFrameBytes, maxQueueBytes } = this.options.replication;
    const theirs = this.peerStates.get(link)?.maxFrameBytes ?? maxFrameBytes;
    return Math.min(Math.min(maxFrameBytes, theirs) / 2, maxQueueBytes / 4);
  }

  private antiEntropyWithAll(): void {
    if (!this.ready) return;
    for (const link of this.transport.peers) if (this.peerIsReady(link)) this.sendDigest(link);
  }

  private resync(link: PeerConnection): void {
    link.resynced();
    const state = this.peerStates.get(link);
    // Whatever round was in flight lost frames in the overflow: start afresh.
    if (state) state.digestSentAt = undefined;
    this.overflowed.delete(link);
    this.logger.log(`replication queue to ${link.remoteNode} drained: resyncing`);
    if (this.ready && this.peerIsReady(link)) this.sendDigest(link);
  }

  /** Starts an anti-entropy round with a peer, unless one is still in flight (a slow peer is not flooded). */
  private sendDigest(link: PeerConnection): void {
    const state = this.peerStates.get(link);
    if (!state) return;
    const now = Date.now();
    const stale = Math.max(5000, 4 * this.options.replication.timers.antiEntropyMs);
    if (state.digestSentAt !== undefined && now - state.digestSentAt < stale) return;
    if (link.send({ t: 'digest', d: this.map.digest() })) {
      state.digestSentAt = now;
      state.listsThisRound = 0;
    }
  }

  /** A peer's digest: answer with our (id, hash) pairs of the buckets that differ, in frames under the limit. */
  private onDigest(link: PeerConnection, message: Record<string, unknown>): void {
    const theirs = message.d;
    if (
      !Array.isArray(theirs) ||
      theirs.length !== DIGEST_BUCKETS ||
      !theirs.every((h) => typeof h === 'string' && DIGEST_PATTERN.test(h))
    ) {
      throw new ReplicationMessageError('bad digest');
    }
    if (this.ready) {
      const differing = differingBuckets(this.map.digest(), theirs as string[]);
      if (differing.length > 0) this.sendLists(link, differing);
    }
    link.send({ t: 'digest-done' });
  }

  private sendLists(link: PeerConnection, differing: number[]): void {
    const byBucket = this.map.listBuckets(differing);
    const limit = this.batchLimit(link);
    let buckets: number[] = [];
    let pairs: [string, string][] = [];
    let bytes = 0;
    for (const bucket of differing) {
      const list = byBucket.get(bucket) ?? [];
      const size = list.reduce((sum, [id]) => sum + id.length + 24, 0);
      if (buckets.length > 0 && bytes + size > limit) {
        link.send({ t: 'list', b: buckets, l: pairs });
        buckets = [];
        pairs = [];
        bytes = 0;
      }
      buckets.push(bucket);
      pairs.push(...list);
      bytes += size;
    }
    link.send({ t: 'list', b: buckets, l: pairs });
  }

  /** The peer's (id, hash) pairs for some buckets: send what differs, pull what we lack. */
  private onList(link: PeerConnection, message: Record<string, unknown>): void {
    const state = this.peerStates.get(link);
    if (state) state.listsThisRound++;
    const buckets = asList(message.b);
    if (
      !buckets.every(
        (b) => Number.isInteger(b) && (b as number) >= 0 && (b as number) < DIGEST_BUCKETS,
      )
    ) {
      throw new ReplicationMessageError('bad bucket list');
    }
    if (!this.ready) return;
    const theirs = new Map<string, string>();
    for (const pair of asList(message.l)) {
      if (!Array.isArray(pair) || typeof pair[0] !== 'string' || typeof pair[1] !== 'string')
        throw new ReplicationMessageError('bad list');
      theirs.set(pair[0], pair[1]);
    }
    const mine = new Map<string, string>();
    for (const list of this.map.listBuckets(buckets as number[]).values())
      for (const [id, hash] of list) mine.set(id, hash);
    const push: string[] = [];
    const pull: string[] = [];
    for (const [id, hash] of theirs) {
      if (mine.get(id) === hash) continue;
      pull.push(id);
      if (mine.has(id)) push.push(id);
    }
    for (const id of mine.keys()) if (!theirs.has(id)) push.push(id);
    this.sendEntries(link, push);
    for (let i = 0; i < pull.length; i += 2000)
      link.send({ t: 'pull', s: pull.slice(i, i + 2000) });
  }

  /** Sends full entries in frames under the limit. */
  private sendEntries(link: PeerConnection, ids: readonly string[]): void {
    const limit = this.batchLimit(link);
    let batch: WireEntry[] = [];
    let bytes = 0;
    for (const id of ids) {
      const entry = this.map.get(id);
      if (!entry) continue;
      const wire = encodeEntry(id, entry);
      const size = JSON.stringify(wire).length;
      if (batch.length > 0 && bytes + size > limit) {
        link.send({ t: 'entries', es: batch });
        batch = [];
        bytes = 0;
      }
      batch.push(wire);
      bytes += size;
    }
    if (batch.length > 0) link.send({ t: 'entries', es: batch });
  }

  // ---- timers -------------------------------------------------------------------------------

  private every(ms: number, task: () => void): void {
    const timer = setInterval(task, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private heartbeat(): void {
    const now = Date.now();
    const { heartbeatMs, downMs } = this.options.replication.timers;
    for (const link of this.transport.peers) {
      if (now - link.lastReceivedAt > downMs) {
        link.close('peer down (no traffic)');
        continue;
      }
      if (now - link.lastSentAt >= heartbeatMs) link.send({ t: 'ping' });
      this.noteQueue(link);
    }
  }

  private sweep(): void {
    this.map.sweep(this.options.clock());
    for (const id of this.lastAccessedAt.keys())
      if (!this.map.get(id)) this.lastAccessedAt.delete(id);
    for (const id of this.replicatedExpiry.keys())
      if (!this.map.get(id)) this.replicatedExpiry.delete(id);
  }
}

function asList(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw new ReplicationMessageError('expected a list');
  return value;
}
