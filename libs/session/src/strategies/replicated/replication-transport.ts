import { Logger } from '@nestjs/common';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { PeerConnection, type PeerConnectionSettings } from './peer-connection.js';
import type { PeerAddress } from './replication-options.js';

export interface TransportSettings extends PeerConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly maxPendingHandshakesPerIp: number;
  readonly maxPendingHandshakes: number;
  readonly connectTimeoutMs: number;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  /** How often a dial loop re-checks a target it is already linked to. */
  readonly idleCheckMs: number;
}

/** What the transport tells the replication node. */
export interface TransportEvents {
  /** An authenticated, de-duplicated link to a peer node is up. */
  linkUp(link: PeerConnection): void;
  message(link: PeerConnection, message: Record<string, unknown>): void;
  linkDown(link: PeerConnection, reason: string): void;
  resync(link: PeerConnection): void;
}

/** Counters of refused traffic (for metrics and tests). */
export interface TransportStats {
  /** Connections closed before or during the handshake (wrong secret, junk, timeout). */
  handshakeFailures: number;
  /** Authenticated connections closed for a frame that failed authentication or parsing. */
  rejectedFrames: number;
  /** Connections refused at accept because too many handshakes were pending. */
  refusedConnections: number;
  /** Times a peer's outbound queue overflowed (the peer is resynced instead). */
  queueOverflows: number;
}

/**
 * The TCP mesh: listens, dials every known peer with capped exponential backoff, authenticates
 * each connection and keeps one link per peer node. It knows nothing of sessions.
 */
export class ReplicationTransport {
  readonly stats: TransportStats = {
    handshakeFailures: 0,
    rejectedFrames: 0,
    refusedConnections: 0,
    queueOverflows: 0,
  };
  private readonly logger = new Logger('SessionReplication');
  private readonly server: Server;
  private readonly links = new Map<string, PeerConnection>();
  private readonly connections = new Set<PeerConnection>();
  private readonly pendingByIp = new Map<string, number>();
  private readonly targets = new Map<string, PeerAddress>();
  /** Targets found to be this node itself (through a DNS name or a listed own address). */
  private readonly selfTargets = new Set<string>();
  private readonly blocked = new Set<string>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wakeups = new Set<() => void>();
  private readonly listenAddresses = new WeakMap<PeerConnection, string>();
  /** Sockets still connecting, destroyed on close. */
  private readonly dialing = new Set<Socket>();
  private pending = 0;
  private closed = false;

  constructor(
    private readonly settings: TransportSettings,
    private readonly events: TransportEvents,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  get nodeId(): string {
    return this.settings.nodeId;
  }

  /** The address this node listens on (the port the OS chose when 0 was asked). */
  get address(): { host: string; port: number } {
    const address = this.server.address();
    return {
      host: this.settings.host,
      port: address && typeof address === 'object' ? address.port : this.settings.port,
    };
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.settings.port, this.settings.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.server.on('error', (error) => this.logger.error(`replication listener: ${error.message}`));
  }

  /** Adds peers to dial (static list or a DNS answer); known ones are ignored. */
  addTargets(addresses: readonly PeerAddress[]): void {
    for (const address of addresses) {
      const key = `${address.host}:${address.port}`;
      if (this.targets.has(key) || this.closed) continue;
      this.targets.set(key, address);
      void this.dialLoop(key, address);
    }
  }

  /** The authenticated links, one per peer node. */
  get peers(): PeerConnection[] {
    return [...this.links.values()];
  }

  link(node: string): PeerConnection | undefined {
    return this.links.get(node);
  }

  /** Records the address a linked peer listens on (from its first message), for the dial loops. */
  setListenAddress(link: PeerConnection, address: string): void {
    this.listenAddresses.set(link, address);
  }

  /**
   * Test hook: silently drops all traffic to and from these nodes (handshakes included), as a
   * network partition would. Existing links then fail the heartbeat and close; `heal()` ends it.
   */
  dropTrafficWith(nodes: Iterable<string>): void {
    for (const node of nodes) this.blocked.add(node);
  }

  heal(): void {
    this.blocked.clear();
    this.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.wake();
    for (const socket of this.dialing) socket.destroy();
    for (const connection of [...this.connections]) connection.close('node stopping');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const ip = socket.remoteAddress ?? 'unknown';
    const fromIp = this.pendingByIp.get(ip) ?? 0;
    if (
      this.closed ||
      fromIp >= this.settings.maxPendingHandshakesPerIp ||
      this.pending >= this.settings.maxPendingHandshakes
    ) {
      this.stats.refusedConnections++;
      socket.destroy();
      return;
    }
    this.pendingByIp.set(ip, fromIp + 1);
    this.pending++;
    let counted = true;
    const release = () => {
      if (!counted) return;
      counted = false;
      this.pending--;
      const left = (this.pendingByIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.pendingByIp.delete(ip);
      else this.pendingByIp.set(ip, left);
    };
    this.track(new PeerConnection(socket, 'server', this.settings, this.connectionEvents(release)));
  }

  private connectionEvents(
    onSettled: () => void,
    onClosed?: (reason: string, authenticated: boolean) => void,
  ) {
    return {
      authenticated: (connection: PeerConnection) => {
        onSettled();
        this.register(connection);
      },
      message: (connection: PeerConnection, message: Record<string, unknown>) => {
        if (this.links.get(connection.remoteNode) === connection)
          this.events.message(connection, message);
      },
      resync: (connection: PeerConnection) => {
        if (this.links.get(connection.remoteNode) === connection) this.events.resync(connection);
      },
      closed: (connection: PeerConnection, reason: string, authenticated: boolean) => {
        onSettled();
        this.connections.delete(connection);
        if (!authenticated) this.stats.handshakeFailures++;
        else if (reason.startsWith('rejected frame') || reason.startsWith('frame of'))
          this.stats.rejectedFrames++;
        if (!authenticated && reason !== 'node stopping' && reason !== 'socket closed') {
          this.logger.warn(
            `replication handshake with ${connection.socket.remoteAddress ?? '?'} failed: ${reason}`,
          );
        } else if (authenticated && reason.startsWith('rejected')) {
          this.logger.warn(`replication link to ${connection.remoteNode} closed: ${reason}`);
        }
        if (this.links.get(connection.remoteNode) === connection) {
          this.links.delete(connection.remoteNode);
          this.events.linkDown(connection, reason);
          this.wake();
        }
        onClosed?.(reason, authenticated);
      },
      isBlocked: (node: string) => this.blocked.has(node),
    };
  }

  /** One link per peer: if both sides dialled, both keep the connection dialled by the lower node id. */
  private register(connection: PeerConnection): void {
    const existing = this.links.get(connection.remoteNode);
    if (existing) {
      const dialer = (c: PeerConnection) =>
        c.role === 'client' ? this.settings.nodeId : c.remoteNode;
      const keepNew =
        dialer(connection) < dialer(existing) || dialer(connection) === dialer(existing);
      if (!keepNew) {
        connection.close('duplicate connection');
        return;
      }
      // The node hears of the old link's end before the new one starts (a transfer on it is lost).
      this.links.delete(connection.remoteNode);
      this.events.linkDown(existing, 'replaced by a duplicate connection');
      existing.close('duplicate connection');
    }
    this.links.set(connection.remoteNode, connection);
    this.events.linkUp(connection);
  }

  private track(connection: PeerConnection): void {
    this.connections.add(connection);
  }

  /** Keeps one target dialled for as long as the node runs. */
  private async dialLoop(key: string, address: PeerAddress): Promise<void> {
    let delay = this.settings.reconnectMinMs;
    while (!this.closed) {
      if (this.selfTargets.has(key)) return;
      if (this.isLinkedTo(key)) {
        await this.sleep(this.settings.idleCheckMs);
        continue;
      }
      const outcome = await this.dialOnce(address);
      if (this.closed) return;
      if (outcome === 'self') {
        this.selfTargets.add(key);
        return;
      }
      delay =
        outcome === 'linked'
          ? this.settings.reconnectMinMs
          : Math.min(delay * 2, this.settings.reconnectMaxMs);
      await this.sleep(delay * (0.8 + Math.random() * 0.4));
    }
  }

  private isLinkedTo(key: string): boolean {
    for (const link of this.links.values()) if (this.listenAddresses.get(link) === key) return true;
    return false;
  }

  /** Dials once; resolves when that connection ends (or fails), saying how far it got. */
  private dialOnce(address: PeerAddress): Promise<'linked' | 'failed' | 'self'> {
    return new Promise((resolve) => {
      const socket = createConnection({ host: address.host, port: address.port });
      this.dialing.add(socket);
      let settled = false;
      const connectTimer = setTimeout(() => socket.destroy(), this.settings.connectTimeoutMs);
      const finish = (outcome: 'linked' | 'failed' | 'self') => {
        clearTimeout(connectTimer);
        this.dialing.delete(socket);
        if (!settled) {
          settled = true;
          resolve(outcome);
        }
      };
      socket.once('error', () => finish('failed'));
      socket.once('close', () => finish('failed'));
      socket.once('connect', () => {
        clearTimeout(connectTimer);
        this.dialing.delete(socket);
        if (this.closed) {
          socket.destroy();
          return;
        }
        socket.removeAllListeners('error');
        socket.removeAllListeners('close');
        const connection = new PeerConnection(
          socket,
          'client',
          this.settings,
          this.connectionEvents(
            () => undefined,
            (reason, authenticated) =>
              finish(
                reason === 'rejected frame: connected to itself'
                  ? 'self'
                  : authenticated
                    ? 'linked'
                    : 'failed',
              ),
          ),
        );
        this.track(connection);
      });
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.timers.delete(timer);
        this.wakeups.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.timers.add(timer);
      this.wakeups.add(done);
    });
  }

  /** Ends every dial loop's wait early (a link went down, a partition healed, the node stops). */
  private wake(): void {
    for (const wakeup of [...this.wakeups]) wakeup();
  }
}
