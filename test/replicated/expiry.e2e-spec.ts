import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { TestClock } from '../support/clock.js';
import { startCluster, waitFor } from './support/in-process-cluster.js';

const id = (i: number) => `expiry-${String(i).padStart(6, '0')}`.padEnd(32, 'x');

describe('expiry across nodes, with and without touches (3 nodes, real TCP, one test clock)', () => {
  const clock = new TestClock();
  let nodes: ReplicatedSessionStore[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    nodes = await startCluster(3, {
      clock: clock.now,
      ttl: 2,
      absoluteTtl: 600,
      consistency: 'ack-all',
      touchThrottleMs: 1000,
    });
  });
  afterAll(() => Promise.all(nodes.map((node) => node.close())));

  it('untouched sessions expire on every node; sessions touched on one node live on every node; a destroy is gone everywhere within 1 s', async () => {
    const [a, b, c] = nodes;
    const start = clock.time;
    for (let i = 0; i < 500; i++) {
      await a.save(id(i), {
        mode: 'create',
        set: { n: String(i) },
        deleted: [],
        principal: null,
        createdAt: start,
        expiresAt: start + 2000,
        absoluteExpiresAt: start + 600_000,
      });
    }
    // Every 500 ms of session time, the first 250 are used on node a only (rolling expiry).
    for (let step = 1; step <= 6; step++) {
      clock.advance(0.5);
      for (let i = 0; i < 250; i++)
        expect(await a.load(id(i), { expiresAt: clock.time + 2000 })).toBeDefined();
    }
    expect(clock.time - start).toBe(3000);
    // Touches travel without an acknowledgement: wait until the last one has reached b and c.
    await waitFor(
      async () => {
        for (const node of [b, c])
          if (((await node.load(id(249)))?.expiresAt ?? 0) < start + 5000) return false;
        return true;
      },
      5000,
      'touches to reach every node',
    );
    for (const node of nodes) {
      for (let i = 0; i < 250; i++) expect(await node.load(id(i))).toBeDefined();
      for (let i = 250; i < 500; i++) expect(await node.load(id(i))).toBeUndefined();
    }
    // A touch moves the expiry, never the data version: the data is unchanged everywhere.
    expect((await c.load(id(0)))?.data).toEqual({ n: '0' });

    await b.destroy(id(0));
    await waitFor(
      async () => (await a.load(id(0))) === undefined && (await c.load(id(0))) === undefined,
      1000,
      'the destroy to reach every node',
    );

    // Without further touches, the touched sessions expire too, on every node.
    clock.advance(10);
    for (const node of nodes)
      for (let i = 0; i < 250; i++) expect(await node.load(id(i))).toBeUndefined();
  }, 60_000);
});
