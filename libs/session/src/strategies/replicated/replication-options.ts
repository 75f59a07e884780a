import { isIP } from 'node:net';
import type { ResolvedSessionOptions } from '../../session-module-options.interface.js';
import { SessionOptionsError } from '../../session.errors.js';
import type {
  ReplicationConsistency,
  ReplicationOptions,
  ReplicationTimers,
} from './replicated-strategy-options.interface.js';

/** As the memory strategy's default: about 100 MB of small sessions per node. */
const DEFAULT_MAX_SESSIONS = 100_000;

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ResolvedReplicationOptions {
  readonly host: string;
  readonly port: number;
  readonly peers: readonly PeerAddress[];
  readonly dns?: { readonly name: string; readonly port: number };
  readonly secret: Buffer;
  readonly encrypted: boolean;
  readonly consistency: ReplicationConsistency;
  readonly maxSessions: number;
  readonly maxFrameBytes: number;
  readonly maxSessionBytes: number;
  readonly maxQueueBytes: number;
  readonly maxPendingHandshakesPerIp: number;
  readonly snapshotChunkSessions: number;
  readonly touchThrottleMs: number;
  readonly timers: Required<ReplicationTimers>;
}

const MIN_SECRET_BYTES = 32;
const CONSISTENCY: readonly ReplicationConsistency[] = ['async', 'ack-one', 'ack-all'];
const DEFAULT_TIMERS: Required<ReplicationTimers> = {
  heartbeatMs: 1000,
  suspectMs: 3000,
  downMs: 5000,
  connectTimeoutMs: 1000,
  handshakeTimeoutMs: 5000,
  joinTimeoutMs: 5000,
  stateTransferTimeoutMs: 60_000,
  antiEntropyMs: 30_000,
  sweepMs: 60_000,
  reconnectMinMs: 100,
  reconnectMaxMs: 5000,
  dnsIntervalMs: 10_000,
};
const MIB = 1024 * 1024;

/** Validates the `replication` block at start; every error names its option. */
export function resolveReplicationOptions(
  options: ResolvedSessionOptions,
): ResolvedReplicationOptions {
  const block = options.raw.replication as ReplicationOptions | undefined;
  if (!block || typeof block !== 'object') {
    throw new SessionOptionsError(
      'replication',
      'the replicated strategy needs a replication block with at least host and port',
    );
  }
  if (typeof block.host !== 'string' || block.host.trim() === '') {
    throw new SessionOptionsError(
      'replication.host',
      'is required: the (private) interface to listen on for peers',
    );
  }
  const port = block.port;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new SessionOptionsError('replication.port', 'is required: a port number from 0 to 65535');
  }
  if (block.peers !== undefined && !Array.isArray(block.peers)) {
    throw new SessionOptionsError('replication.peers', 'must be a list of "host:port" strings');
  }
  const peers = (block.peers ?? []).map((peer, index) =>
    parsePeer(peer, `replication.peers[${index}]`),
  );
  let dns: ResolvedReplicationOptions['dns'];
  if (block.dns !== undefined) {
    if (typeof block.dns?.name !== 'string' || block.dns.name === '')
      throw new SessionOptionsError('replication.dns.name', 'must be a host name');
    if (!Number.isInteger(block.dns.port) || block.dns.port < 1 || block.dns.port > 65_535) {
      throw new SessionOptionsError(
        'replication.dns.port',
        'must be a port number from 1 to 65535',
      );
    }
    dns = { name: block.dns.name, port: block.dns.port };
  }
  const secret = resolveSecret(block, options);
  const insecure = block.insecure ?? false;
  if (typeof insecure !== 'boolean')
    throw new SessionOptionsError('replication.insecure', 'must be a boolean');
  if (insecure) {
    const addresses = [block.host, ...peers.map((peer) => peer.host)];
    if (dns || !addresses.every(isLoopback)) {
      throw new SessionOptionsError(
        'replication.insecure',
        'plaintext replication is allowed only when every address (host, peers) is loopback',
      );
    }
  }
  const consistency = block.consistency ?? 'ack-all';
  if (!CONSISTENCY.includes(consistency)) {
    throw new SessionOptionsError(
      'replication.consistency',
      `must be one of ${CONSISTENCY.join(', ')}`,
    );
  }
  const maxFrameBytes = integer(
    'replication.maxFrameBytes',
    block.maxFrameBytes,
    MIB,
    64 * 1024,
    64 * MIB,
  );
  const maxSessionBytes = integer(
    'replication.maxSessionBytes',
    block.maxSessionBytes,
    256 * 1024,
    1024,
    64 * MIB,
  );
  if (maxSessionBytes * 2 > maxFrameBytes) {
    throw new SessionOptionsError(
      'replication.maxSessionBytes',
      `must be at most half of maxFrameBytes (${maxFrameBytes})`,
    );
  }
  const timers = resolveTimers(block.timers);
  return {
    host: block.host,
    port,
    peers,
    dns,
    secret,
    encrypted: !insecure,
    consistency,
    maxSessions: integer(
      'replication.maxSessions',
      block.maxSessions,
      DEFAULT_MAX_SESSIONS,
      1,
      100_000_000,
    ),
    maxFrameBytes,
    maxSessionBytes,
    maxQueueBytes: integer(
      'replication.maxQueueBytes',
      block.maxQueueBytes,
      64 * MIB,
      64 * 1024,
      4096 * MIB,
    ),
    maxPendingHandshakesPerIp: integer(
      'replication.maxPendingHandshakesPerIp',
      block.maxPendingHandshakesPerIp,
      16,
      1,
      10_000,
    ),
    snapshotChunkSessions: integer(
      'replication.snapshotChunkSessions',
      block.snapshotChunkSessions,
      1000,
      1,
      100_000,
    ),
    touchThrottleMs: integer(
      'replication.touchThrottleMs',
      block.touchThrottleMs,
      Math.max(1000, Math.floor(options.ttlMs / 10)),
      0,
      86_400_000,
    ),
    timers,
  };
}

function resolveSecret(block: ReplicationOptions, options: ResolvedSessionOptions): Buffer {
  if (block.secret !== undefined) {
    if (typeof block.secret !== 'string')
      throw new SessionOptionsError('replication.secret', 'must be a string');
    const bytes = Buffer.from(block.secret, 'utf8');
    if (bytes.length < MIN_SECRET_BYTES) {
      throw new SessionOptionsError(
        'replication.secret',
        `is ${bytes.length} bytes; it must have at least ${MIN_SECRET_BYTES}`,
      );
    }
    return bytes;
  }
  if (block.useSessionSecret === true) return Buffer.from(options.secrets[0], 'utf8');
  throw new SessionOptionsError(
    'replication.secret',
    `is required (at least ${MIN_SECRET_BYTES} bytes, the same on every node); set replication.useSessionSecret: true to reuse the session secret`,
  );
}

function resolveTimers(given: ReplicationTimers | undefined): Required<ReplicationTimers> {
  if (given !== undefined && (typeof given !== 'object' || given === null)) {
    throw new SessionOptionsError('replication.timers', 'must be an object of millisecond values');
  }
  const timers = { ...DEFAULT_TIMERS };
  for (const [name, value] of Object.entries(given ?? {})) {
    if (!(name in DEFAULT_TIMERS))
      throw new SessionOptionsError(`replication.timers.${name}`, 'is not a known timer');
    if (!Number.isInteger(value) || (value as number) < 10 || (value as number) > 86_400_000) {
      throw new SessionOptionsError(
        `replication.timers.${name}`,
        'must be a whole number of milliseconds from 10 to 86400000',
      );
    }
    timers[name as keyof ReplicationTimers] = value as number;
  }
  if (timers.heartbeatMs >= timers.suspectMs)
    throw new SessionOptionsError('replication.timers.heartbeatMs', 'must be less than suspectMs');
  if (timers.suspectMs > timers.downMs)
    throw new SessionOptionsError('replication.timers.suspectMs', 'must not exceed downMs');
  if (timers.reconnectMinMs > timers.reconnectMaxMs) {
    throw new SessionOptionsError(
      'replication.timers.reconnectMinMs',
      'must not exceed reconnectMaxMs',
    );
  }
  return timers;
}

function integer(
  option: string,
  value: unknown,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    throw new SessionOptionsError(option, `must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

/** Parses `host:port` or `[v6]:port`. */
export function parsePeer(value: unknown, option: string): PeerAddress {
  if (typeof value !== 'string')
    throw new SessionOptionsError(option, 'must be a "host:port" string');
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(value.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port < 1 || port > 65_535)
    throw new SessionOptionsError(option, `${JSON.stringify(value)} is not "host:port"`);
  return { host: match[1] ?? match[2], port };
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}
