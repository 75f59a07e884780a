import { resolveSessionOptions } from '../../session-options.js';
import { SessionOptionsError } from '../../session.errors.js';
import type { ReplicationOptions } from './replicated-strategy-options.interface.js';
import { isLoopback, parsePeer, resolveReplicationOptions } from './replication-options.js';

const SESSION_SECRET = 'a-session-secret-that-is-long-enough-0123';
const CLUSTER_SECRET = 'a-cluster-secret-that-is-long-enough-4567';

function resolve(replication: Partial<ReplicationOptions> | undefined) {
  return resolveReplicationOptions(
    resolveSessionOptions({
      strategy: 'replicated',
      secret: SESSION_SECRET,
      replication: replication as ReplicationOptions,
    }),
  );
}

function optionOf(replication: Partial<ReplicationOptions> | undefined): string | undefined {
  try {
    resolve(replication);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(SessionOptionsError);
    return (error as SessionOptionsError).option;
  }
}

const valid = { host: '10.0.0.1', port: 4000, secret: CLUSTER_SECRET };

describe('replication options', () => {
  it('applies defaults: ack-all, encrypted, Tomcat-like timers, 1 MiB frames', () => {
    const options = resolve({ ...valid, peers: ['10.0.0.2:4000', '[fd00::3]:4001'] });
    expect(options).toMatchObject({
      consistency: 'ack-all',
      encrypted: true,
      maxFrameBytes: 1024 * 1024,
      maxSessionBytes: 256 * 1024,
      maxSessions: 100_000,
    });
    expect(options.peers).toEqual([
      { host: '10.0.0.2', port: 4000 },
      { host: 'fd00::3', port: 4001 },
    ]);
    expect(options.timers).toMatchObject({
      heartbeatMs: 1000,
      suspectMs: 3000,
      downMs: 5000,
      antiEntropyMs: 30_000,
      joinTimeoutMs: 5000,
    });
    expect(options.touchThrottleMs).toBe(180_000);
  });

  it.each([
    ['replication', undefined],
    ['replication.host', { port: 4000, secret: CLUSTER_SECRET }],
    ['replication.port', { host: '10.0.0.1', secret: CLUSTER_SECRET }],
    ['replication.port', { ...valid, port: 70_000 }],
    ['replication.peers[1]', { ...valid, peers: ['10.0.0.2:4000', 'no-port'] }],
    ['replication.secret', { host: '10.0.0.1', port: 4000 }],
    ['replication.secret', { ...valid, secret: 'short' }],
    ['replication.consistency', { ...valid, consistency: 'quorum' }],
    ['replication.insecure', { ...valid, insecure: true }],
    [
      'replication.insecure',
      { ...valid, host: '127.0.0.1', peers: ['10.0.0.2:4000'], insecure: true },
    ],
    ['replication.timers.heartbeatMs', { ...valid, timers: { heartbeatMs: 5 } }],
    ['replication.timers.heartbeatMs', { ...valid, timers: { heartbeatMs: 4000 } }],
    ['replication.timers.suspectMs', { ...valid, timers: { suspectMs: 6000 } }],
    ['replication.timers.typo', { ...valid, timers: { typo: 100 } }],
    ['replication.maxSessionBytes', { ...valid, maxSessionBytes: 1024 * 1024 }],
    ['replication.maxFrameBytes', { ...valid, maxFrameBytes: 10 }],
    ['replication.maxSessions', { ...valid, maxSessions: 0 }],
    ['replication.maxSessions', { ...valid, maxSessions: 1.5 }],
  ] as [string, Partial<ReplicationOptions> | undefined][])(
    'refuses at start, naming %s',
    (option, replication) => {
      expect(optionOf(replication)).toBe(option);
    },
  );

  it('falls back to the session secret only when told to', () => {
    expect(
      resolve({ host: '10.0.0.1', port: 4000, useSessionSecret: true }).secret.toString(),
    ).toBe(SESSION_SECRET);
  });

  it('allows plaintext only when every address is loopback', () => {
    const options = resolve({
      ...valid,
      host: '127.0.0.1',
      peers: ['127.0.0.2:4000', 'localhost:4001', '[::1]:4002'],
      insecure: true,
    });
    expect(options.encrypted).toBe(false);
  });

  it('parses peers and recognises loopback addresses', () => {
    expect(parsePeer('node-2.internal:4000', 'p')).toEqual({ host: 'node-2.internal', port: 4000 });
    expect(() => parsePeer('a:0', 'p')).toThrow(SessionOptionsError);
    expect(['127.0.0.1', '127.8.0.1', '::1', 'localhost'].every(isLoopback)).toBe(true);
    expect(['10.0.0.1', '0.0.0.0', 'example.com', '::'].some(isLoopback)).toBe(false);
  });
});
