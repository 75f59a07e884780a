import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import {
  CLUSTER_SECRET,
  createChange as create,
  startCluster,
  waitFor,
} from '../replicated/support/in-process-cluster.js';
import { RawPeer } from '../replicated/support/raw-peer.js';

// An attacker on the replication port of a live two-node cluster, against its real TCP listener.
// test/replicated/fail-closed.e2e-spec.ts already proves, frame by frame, that bit flips, replays on
// one connection, reordering, truncation, plaintext and junk close the connection before anything
// reaches the sessions; test/replicated/limits.e2e-spec.ts that handshakes in progress are capped
// per IP. Here: frames captured on one connection replayed on another, handshakes never finished
// (held at most maxPendingHandshakesPerIp, then dropped at handshakeTimeoutMs), and random garbage —
// each counted, and the cluster's sessions the same before and after.

const now = Date.now();
const id = (label: string) => label.padEnd(32, 'x');
const deltaFor = (sessionId: string, ack: number) => ({
  t: 'delta',
  e: {
    s: sessionId,
    k: [['counter', '1', 1, 'f'.repeat(32)]],
    p: [null, 1, 'f'.repeat(32)],
    c: now,
    a: now + 3_600_000,
    e: now + 1_800_000,
  },
  b: 0,
  a: ack,
});

const CAP = 4;
const HANDSHAKE_TIMEOUT_MS = 800;

describe('replication port attacks on a live cluster', () => {
  let nodes: ReplicatedSessionStore[] = [];
  const open: RawPeer[] = [];
  const sockets: Socket[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    nodes = await startCluster(2, {
      maxPendingHandshakesPerIp: CAP,
      timers: { handshakeTimeoutMs: HANDSHAKE_TIMEOUT_MS },
    });
    await nodes[0].save(id('legit'), create({ owner: 'alice' }));
    await waitFor(
      async () => (await nodes[1].load(id('legit'))) !== undefined,
      5000,
      'replication',
    );
  });
  afterEach(() => {
    for (const peer of open.splice(0)) peer.destroy();
    for (const socket of sockets.splice(0)) socket.destroy();
  });
  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.close()));
  });

  /** The sessions of both nodes, as the cluster's users would read them. */
  async function state(): Promise<unknown> {
    return Promise.all(nodes.map(async (node) => [node.stats().sessions, node.digest()]));
  }

  async function rawSocket(port: number): Promise<Socket> {
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    sockets.push(socket);
    await new Promise((resolve) => socket.once('connect', resolve));
    return socket;
  }

  it('a frame captured on one connection and replayed on another closes that connection; nothing applied twice or unsent', async () => {
    const port = nodes[0].address.port;
    const captured = await RawPeer.connect(port);
    open.push(captured);
    expect(await captured.handshake(CLUSTER_SECRET)).toBe(true);
    const sent = captured.seal(deltaFor(id('captured-sent'), 1));
    captured.write(sent);
    expect(await captured.waitFor('ack')).toEqual({ t: 'ack', a: 1 });
    // Anti-entropy brings it to the other node too: the state compared below is then settled.
    await waitFor(
      async () => (await nodes[1].load(id('captured-sent'))) !== undefined,
      5000,
      'anti-entropy',
    );
    // A frame sealed on the first connection but never sent there.
    const unsent = captured.seal(deltaFor(id('captured-unsent'), 2));
    const before = await state();
    const rejected = nodes[0].stats().rejectedFrames;

    for (const frame of [sent, unsent]) {
      const replay = await RawPeer.connect(port);
      open.push(replay);
      expect(await replay.handshake(CLUSTER_SECRET)).toBe(true);
      replay.write(frame);
      expect(await replay.waitClosed()).toBe(true);
      expect(replay.received.filter((message) => message.t === 'ack')).toEqual([]);
    }
    expect(await nodes[0].load(id('captured-unsent'))).toBeUndefined();
    expect(nodes[0].stats().rejectedFrames).toBeGreaterThanOrEqual(rejected + 2);
    expect(await state()).toEqual(before);
  });

  it(`handshakes never finished: at most ${CAP} held, the rest refused at once, the held ones dropped after handshakeTimeoutMs`, async () => {
    const node = nodes[1];
    const before = await state();
    const refused = node.stats().refusedConnections;
    const failures = node.stats().handshakeFailures;
    const silent = await Promise.all(
      Array.from({ length: 3 * CAP }, () => rawSocket(node.address.port)),
    );
    await waitFor(
      () => node.stats().refusedConnections - refused === 2 * CAP,
      3000,
      () => `${2 * CAP} refused connections (got ${node.stats().refusedConnections - refused})`,
    );
    // The held ones end at the handshake timeout (bounded wait: at most 5 timeouts).
    await waitFor(
      () => silent.every((socket) => socket.closed || socket.destroyed),
      HANDSHAKE_TIMEOUT_MS * 5,
      'the node to close every silent connection',
    );
    expect(node.stats().handshakeFailures - failures).toBeGreaterThanOrEqual(CAP);
    // The cluster still replicates, and what it held is unchanged.
    expect(await state()).toEqual(before);
    await nodes[1].save(id('after-silent'), create({ owner: 'bob' }));
    await waitFor(
      async () => (await nodes[0].load(id('after-silent')))?.data.owner === 'bob',
      5000,
      'replication after the attack',
    );
  });

  it('random garbage on 100 connections: every one closed and counted, sessions untouched', async () => {
    const node = nodes[0];
    const before = await state();
    const failures = node.stats().handshakeFailures + node.stats().refusedConnections;
    for (let batch = 0; batch < 25; batch++) {
      const group = await Promise.all(
        Array.from({ length: CAP }, () => rawSocket(node.address.port)),
      );
      for (const socket of group) socket.write(randomBytes(64 + batch * 37));
      await waitFor(
        () => group.every((socket) => socket.closed || socket.destroyed),
        HANDSHAKE_TIMEOUT_MS * 5,
        'the node to close the garbage connections',
      );
    }
    expect(
      node.stats().handshakeFailures + node.stats().refusedConnections - failures,
    ).toBeGreaterThanOrEqual(100);
    expect(await state()).toEqual(before);
    expect((await nodes[1].load(id('legit')))?.data.owner).toBe('alice');
  }, 60_000);
});
