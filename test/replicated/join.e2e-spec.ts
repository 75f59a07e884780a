import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { generateSessionId, SessionIdSigner } from '../../libs/session/src/utils/session-id.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { TEST_SECRET } from '../support/sample-app.js';
import { SampleProcess } from '../support/sample-process.js';
import { CLUSTER_SECRET, startStore, waitFor } from './support/in-process-cluster.js';
import {
  PROCESS_TIMERS,
  inParallel,
  planCluster,
  startNode,
  stopAll,
  waitHealthy,
} from './support/sample-cluster.js';

const SESSIONS = 10_000;
const BLOB = JSON.stringify('x'.repeat(1000));
const now = Date.now();
const times = { createdAt: now, expiresAt: now + 3_600_000, absoluteExpiresAt: now + 7_200_000 };

/**
 * Test 6. The two holders run in this process (so 10,000 sessions are written in a second and the
 * test can read their digests); the joiner is a real sample process that must fetch them over TCP.
 */
describe('join under load: a third node starts while two hold 10,000 sessions of about 1 KiB', () => {
  let holders: ReplicatedSessionStore[] = [];
  let joiner: SampleProcess | undefined;
  afterAll(async () => {
    await stopAll([joiner]);
    await Promise.all(holders.map((holder) => holder.close()));
  });

  it('the new node is ready within 10 s, equal to the others, with no write made during the transfer missing', async () => {
    Logger.overrideLogger(['error']);
    const [portA, portB, portC, httpC] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const peersOf = (own: number) =>
      [portA, portB, portC].filter((port) => port !== own).map((port) => `127.0.0.1:${port}`);
    holders = await Promise.all(
      [portA, portB].map((port) =>
        startStore({ port, peers: peersOf(port), timers: PROCESS_TIMERS }),
      ),
    );
    await Promise.all(holders.map((holder) => holder.whenReady()));
    const ids = Array.from({ length: SESSIONS }, () => generateSessionId());
    for (let i = 0; i < SESSIONS; i++) {
      await holders[i % 2].save(ids[i], {
        mode: 'create',
        set: { 'data:blob': BLOB, counter: '0' },
        deleted: [],
        principal: null,
        ...times,
      });
    }

    // Writes continue on both holders during the whole join, each acknowledged by every live peer.
    const counters = new Array<number>(300).fill(0);
    let writesDuringJoin = 0;
    let writing = true;
    const writer = (async () => {
      for (let round = 1; writing; round++) {
        for (let i = 0; i < 300 && writing; i++) {
          const set = { counter: String(round) };
          expect(
            await holders[(i + round) % 2].save(ids[i], {
              mode: 'update',
              set,
              deleted: [],
              ...times,
            }),
          ).toBe(true);
          counters[i] = round;
          writesDuringJoin++;
          if (i % 20 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    })();

    const startedAt = Date.now();
    joiner = await SampleProcess.start(
      'joiner',
      {
        SESSION_STRATEGY: 'replicated',
        REPLICATION_PORT: String(portC),
        REPLICATION_PEERS: peersOf(portC).join(','),
        REPLICATION_SECRET: CLUSTER_SECRET,
        REPLICATION_TIMERS: JSON.stringify(PROCESS_TIMERS),
      },
      httpC,
    );
    await waitHealthy(joiner, 10_000);
    const readyAfterMs = Date.now() - startedAt;
    expect(readyAfterMs).toBeLessThan(10_000);
    writing = false;
    await writer;
    const stoppedAt = Date.now();

    // Equal: an anti-entropy round that started after the last write found the digests equal.
    await waitFor(
      () =>
        holders.every((holder) =>
          holder
            .stats()
            .peers.some((peer) => (peer.inSyncAt ?? 0) > stoppedAt + PROCESS_TIMERS.antiEntropyMs),
        ),
      10_000,
      'equal digests between the holders and the joiner',
    );
    expect(holders[0].digest()).toEqual(holders[1].digest());

    // And by HTTP on the joiner: every session written during the transfer, and 1,000 others.
    const signer = new SessionIdSigner([TEST_SECRET], { name: 'sid', path: '/' });
    const sample = [
      ...Array(300).keys(),
      ...Array.from({ length: 1000 }, (_, k) => 300 + Math.floor((k * (SESSIONS - 300)) / 1000)),
    ];
    await inParallel(sample, 16, async (i) => {
      const client = new HttpClient(joiner!.url);
      client.jar.set('sid', signer.sign(ids[i]));
      const view = (await client.get('/api/session')).body;
      expect({ i, counter: view.counter, blobLength: view.data?.blob?.length }).toEqual({
        i,
        counter: i < 300 ? counters[i] : 0,
        blobLength: 1000,
      });
    });
    process.stdout.write(
      `join: node 3 ready ${readyAfterMs} ms after its start, ${writesDuringJoin} writes made meanwhile, digests equal\n`,
    );
  }, 120_000);
});

describe('a node that has not joined answers 503, never a wrong answer', () => {
  let node: SampleProcess | undefined;
  afterAll(() => stopAll([node]));

  it('GET /health and session routes answer 503 until the join timeout makes it the first node', async () => {
    const [spec, absent] = await planCluster(2, 'lonely');
    node = await startNode([spec, absent], 0, { timers: { joinTimeoutMs: 4000 } });
    const client = new HttpClient(node.url);
    const health = await client.get('/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      status: 'unavailable',
      reason: 'joining cluster',
      strategy: 'replicated',
    });
    const write = await client.post('/api/counter');
    expect(write.status).toBe(503);
    expect(write.body).toEqual({ statusCode: 503, message: 'session store unavailable' });
    expect(write.setCookies).toEqual([]);
    await waitHealthy(node, 15_000);
    expect((await client.post('/api/counter')).body.counter).toBe(1);
  }, 60_000);
});
