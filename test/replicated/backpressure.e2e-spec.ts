import { Logger } from '@nestjs/common';
import type { ReplicatedSessionStore, SessionChange } from 'nestjs-distributed-session';
import { generateSessionId, SessionIdSigner } from '../../libs/session/src/utils/session-id.js';
import { HttpClient } from '../support/http-client.js';
import { freePort } from '../support/ports.js';
import { TEST_SECRET } from '../support/sample-app.js';
import { SampleProcess } from '../support/sample-process.js';
import { CLUSTER_SECRET, startStore, waitFor } from './support/in-process-cluster.js';
import { PROCESS_TIMERS, inParallel, stopAll, waitHealthy } from './support/sample-cluster.js';

const SESSIONS = 1000;
const WRITES = 50_000;
const MAX_QUEUE = 1024 * 1024;
const MAX_FRAME = 256 * 1024;

describe('backpressure: a peer paused with SIGSTOP while another node writes 50,000 times', () => {
  let writer: ReplicatedSessionStore | undefined;
  let paused: SampleProcess | undefined;
  afterAll(async () => {
    await stopAll([paused]);
    await writer?.close();
  });

  it('the outbound queue stays within its bound, and the peer resyncs after SIGCONT', async () => {
    Logger.overrideLogger(['error']);
    const [writerPort, pausedPort] = [await freePort(), await freePort()];
    // Long down timers: the link stays up through the pause, so only the queue bound protects memory.
    const timers = { downMs: 30_000, suspectMs: 800 };
    writer = await startStore({
      port: writerPort,
      peers: [`127.0.0.1:${pausedPort}`],
      consistency: 'async',
      maxQueueBytes: MAX_QUEUE,
      maxFrameBytes: MAX_FRAME,
      maxSessionBytes: 64 * 1024,
      timers,
    });
    paused = await SampleProcess.start('paused', {
      SESSION_STRATEGY: 'replicated',
      REPLICATION_PORT: String(pausedPort),
      REPLICATION_PEERS: `127.0.0.1:${writerPort}`,
      REPLICATION_SECRET: CLUSTER_SECRET,
      REPLICATION_CONSISTENCY: 'async',
      REPLICATION_TIMERS: JSON.stringify({ ...PROCESS_TIMERS, ...timers }),
    });
    await waitHealthy(paused);
    await waitFor(() => writer!.stats().peers.length === 1, 10_000, 'the link');

    const now = Date.now();
    const ids = Array.from({ length: SESSIONS }, () => generateSessionId());
    const change = (mode: 'create' | 'update', counter: number): SessionChange => ({
      mode,
      set: { counter: String(counter), pad: JSON.stringify('p'.repeat(100)) },
      deleted: [],
      principal: mode === 'create' ? null : undefined,
      createdAt: now,
      expiresAt: now + 3_600_000,
      absoluteExpiresAt: now + 7_200_000,
    });
    const rssBefore = process.memoryUsage().rss;
    paused.signal('SIGSTOP');
    const pausedAt = Date.now();
    const writesStartedAt = Date.now();
    for (let write = 0; write < WRITES; write++) {
      const session = write % SESSIONS;
      const round = Math.floor(write / SESSIONS) + 1;
      await writer.save(ids[session], change(round === 1 ? 'create' : 'update', round));
    }
    const writesTookMs = Date.now() - writesStartedAt;
    const stats = writer.stats();
    const rssGrowth = process.memoryUsage().rss - rssBefore;
    expect(stats.queueOverflows).toBeGreaterThanOrEqual(1);
    expect(stats.maxQueuedBytes).toBeLessThanOrEqual(MAX_QUEUE + MAX_FRAME);
    // Hold the pause for 5 s in all, then resume.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, 5000 - (Date.now() - pausedAt))),
    );
    paused.signal('SIGCONT');
    const resumedAt = Date.now();

    const signer = new SessionIdSigner([TEST_SECRET], { name: 'sid', path: '/' });
    const final = WRITES / SESSIONS;
    await waitFor(
      async () => {
        let differing = 0;
        await inParallel(ids, 32, async (id) => {
          const client = new HttpClient(paused!.url);
          client.jar.set('sid', signer.sign(id));
          try {
            if ((await client.get('/api/session')).body.counter !== final) differing++;
          } catch {
            // A keep-alive connection the paused server timed out as it resumed: ask again next round.
            differing++;
          }
        });
        return differing === 0;
      },
      30_000,
      'the paused peer to resync',
    );
    process.stdout.write(
      `backpressure: ${WRITES} writes in ${writesTookMs} ms while paused; ${stats.queueOverflows} overflow(s); largest queue ${stats.maxQueuedBytes} bytes ` +
        `(bound ${MAX_QUEUE}); writer RSS growth ${Math.round(rssGrowth / 1024 / 1024)} MiB; peer equal ${Date.now() - resumedAt} ms after SIGCONT\n`,
    );
  }, 120_000);
});
