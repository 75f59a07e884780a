import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore, SessionChange } from 'nestjs-distributed-session';
import {
  FAST_TIMERS,
  converged,
  createChange as create,
  startCluster,
  waitFor,
} from './support/in-process-cluster.js';

const update = (set: Record<string, string>): SessionChange => ({ ...create(set), mode: 'update' });
const id = (label: string, i: number) => `${label}-${String(i).padStart(6, '0')}`.padEnd(32, 'x');

describe('partition and heal (3 nodes, real TCP, traffic dropped by the transport hook)', () => {
  let nodes: ReplicatedSessionStore[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(['error']);
    nodes = await startCluster(3, { consistency: 'ack-all' });
  });
  afterAll(() => Promise.all(nodes.map((node) => node.close())));

  it('both sides serve while partitioned; after healing, all converge within two anti-entropy periods; destroyed stays destroyed', async () => {
    const [a, b, c] = nodes;
    // Some history before the partition, shared by all.
    for (let i = 0; i < 50; i++) await a.save(id('shared', i), create({ side: '"none"', n: '0' }));
    await waitFor(() => converged(nodes), 5000, 'initial convergence');

    a.dropTrafficWith([b.nodeId, c.nodeId]);
    b.dropTrafficWith([a.nodeId]);
    c.dropTrafficWith([a.nodeId]);
    await waitFor(
      () =>
        a.stats().peers.length === 0 &&
        b.stats().peers.length === 1 &&
        c.stats().peers.length === 1,
      10_000,
      'links to fail',
    );

    // Both sides serve: writes on the minority side (a) and the majority side (b, c).
    for (let i = 0; i < 100; i++) await a.save(id('left', i), create({ side: '"left"' }));
    for (let i = 0; i < 100; i++)
      await (i % 2 ? b : c).save(id('right', i), create({ side: '"right"' }));
    // The same 50 sessions changed on both sides: per key, the highest (version, node) must win everywhere.
    for (let i = 0; i < 50; i++) {
      expect(await a.save(id('shared', i), update({ side: '"left"', left: '1' }))).toBe(true);
      expect(await b.save(id('shared', i), update({ side: '"right"', right: '1' }))).toBe(true);
    }
    // 10 destroyed on one side, while the other side still updates them.
    for (let i = 0; i < 10; i++) {
      await c.destroy(id('shared', i));
      await a.save(id('shared', i), update({ late: '1' }));
    }
    expect(await a.load(id('left', 0))).toBeDefined();
    expect(await a.load(id('right', 0))).toBeUndefined();
    expect(converged(nodes)).toBe(false);

    const healedAt = Date.now();
    for (const node of nodes) node.heal();
    await waitFor(
      () => converged(nodes),
      2 * FAST_TIMERS.antiEntropyMs! + 2 * FAST_TIMERS.reconnectMaxMs! + 2000,
      'convergence after healing',
    );
    process.stdout.write(
      `partition test: converged ${Date.now() - healedAt} ms after healing (anti-entropy period ${FAST_TIMERS.antiEntropyMs} ms)\n`,
    );

    for (const node of nodes) {
      for (let i = 0; i < 100; i++) {
        expect((await node.load(id('left', i)))?.data.side).toBe('"left"');
        expect((await node.load(id('right', i)))?.data.side).toBe('"right"');
      }
      for (let i = 0; i < 10; i++) expect(await node.load(id('shared', i))).toBeUndefined();
      for (let i = 10; i < 50; i++) {
        const record = await node.load(id('shared', i));
        // Different keys written on each side both survive; the key written on both sides has one winner.
        expect(record?.data).toMatchObject({ left: '1', right: '1' });
        expect(record?.data.side).toBe((await a.load(id('shared', i)))?.data.side);
      }
    }
  }, 60_000);
});
