import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { connect } from 'node:net';
import { freePort } from '../support/ports.js';
import {
  createChange as create,
  startCluster,
  startStore,
  waitFor,
} from './support/in-process-cluster.js';

const id = (label: string) => label.padEnd(32, 'x');

describe('replication limits and modes', () => {
  const started: ReplicatedSessionStore[] = [];
  beforeAll(() => Logger.overrideLogger(['error']));
  afterEach(async () => {
    await Promise.all(started.splice(0).map((store) => store.close()));
  });

  it('refuses a write that makes a session exceed maxSessionBytes, before anything is replicated; the session stays as it was', async () => {
    const nodes = await startCluster(2, { maxSessionBytes: 8 * 1024, maxFrameBytes: 64 * 1024 });
    started.push(...nodes);
    await nodes[0].save(id('big'), create({ a: '1' }));
    const big = JSON.stringify('x'.repeat(10 * 1024));
    await expect(
      nodes[0].save(id('big'), { ...create({ blob: big }), mode: 'update' }),
    ).rejects.toThrow(/maxSessionBytes/);
    await expect(nodes[0].save(id('bigger'), create({ blob: big }))).rejects.toThrow(
      /maxSessionBytes/,
    );
    expect((await nodes[0].load(id('big')))?.data).toEqual({ a: '1' });
    await waitFor(async () => (await nodes[1].load(id('big'))) !== undefined, 5000, 'replication');
    expect((await nodes[1].load(id('big')))?.data).toEqual({ a: '1' });
    expect(await nodes[1].load(id('bigger'))).toBeUndefined();
  });

  it('insecure: true replicates in plaintext between loopback nodes; a node that encrypts cannot join them', async () => {
    const nodes = await startCluster(2, { insecure: true });
    started.push(...nodes);
    await nodes[0].save(id('plain'), create({ a: '1' }));
    expect((await nodes[1].load(id('plain')))?.data).toEqual({ a: '1' });
    const port = await freePort();
    const encrypted = await startStore({ port, peers: [`127.0.0.1:${nodes[0].address.port}`] });
    started.push(encrypted);
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(encrypted.stats().peers).toEqual([]);
    expect(nodes[0].stats().handshakeFailures).toBeGreaterThan(0);
  });

  it('caps handshakes in progress per IP: connections beyond the cap are refused at once', async () => {
    const store = await startStore({ maxPendingHandshakesPerIp: 4 });
    started.push(store);
    const sockets = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const socket = connect({ host: '127.0.0.1', port: store.address.port });
        socket.on('error', () => undefined);
        await new Promise((resolve) => socket.once('connect', resolve));
        return socket;
      }),
    );
    try {
      await waitFor(() => store.stats().refusedConnections === 8, 3000, '8 refused connections');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });

  it('a node listed among its own peers detects itself and stops dialling it', async () => {
    const port = await freePort();
    const store = await startStore({ port, peers: [`127.0.0.1:${port}`] });
    started.push(store);
    await store.whenReady();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const failures = store.stats().handshakeFailures;
    expect(failures).toBeLessThanOrEqual(2);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(store.stats().handshakeFailures).toBe(failures);
    expect(store.stats().peers).toEqual([]);
  });

  it('close() stops every socket and timer: a closed node is unavailable and its peer sees it leave', async () => {
    const nodes = await startCluster(2);
    started.push(nodes[1]);
    await nodes[0].close();
    await expect(nodes[0].load(id('any'))).rejects.toThrow('replicated store closed');
    await expect(nodes[0].health()).resolves.toEqual({ ok: false, reason: 'closed' });
    await waitFor(
      () => nodes[1].stats().peers.length === 0,
      3000,
      'the peer to see the node leave',
    );
  });
});
