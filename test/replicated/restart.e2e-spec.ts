import { HttpClient } from '../support/http-client.js';
import type { SampleProcess } from '../support/sample-process.js';
import {
  PROCESS_TIMERS,
  inParallel,
  planCluster,
  startSampleCluster,
  stopAll,
  waitHealthy,
} from './support/sample-cluster.js';

function on(node: SampleProcess, cookie: string): HttpClient {
  const client = new HttpClient(node.url);
  const [name, value] = cookie.split('=');
  client.jar.set(name, value);
  return client;
}

describe('kill and restart: a node rejoins with every session and no resurrected one', () => {
  let nodes: SampleProcess[] = [];
  afterAll(() => stopAll(nodes));

  it('sessions destroyed while node 2 was down stay destroyed after it rejoins; updates made meanwhile are there', async () => {
    nodes = await startSampleCluster(await planCluster(3, 'restart'));
    const [a, b, c] = nodes;
    const cookies: string[] = [];
    await inParallel(
      Array.from({ length: 200 }, (_, i) => i),
      16,
      async (i) => {
        const client = new HttpClient(nodes[i % 3].url);
        await client.post('/api/counter');
        await client.post('/api/login', { username: `user${i}` });
        cookies[i] = client.cookieHeader();
      },
    );
    // Node 2 has them all before it dies.
    for (let i = 0; i < 200; i += 20)
      expect((await on(b, cookies[i]).get('/api/me')).status).toBe(200);

    await b.stop('SIGKILL');
    await inParallel(
      Array.from({ length: 200 }, (_, i) => i),
      16,
      async (i) => {
        const client = on(i % 2 ? a : c, cookies[i]);
        if (i < 100) expect((await client.post('/api/logout')).status).toBe(204);
        else expect((await client.post('/api/counter')).body.counter).toBe(2);
      },
    );

    await b.start();
    await waitHealthy(b, 20_000);
    const check = async () => {
      await inParallel(
        Array.from({ length: 200 }, (_, i) => i),
        16,
        async (i) => {
          const view = (await on(b, cookies[i]).get('/api/session')).body;
          if (i < 100) expect(view).toMatchObject({ user: null, counter: 0 });
          else expect(view).toMatchObject({ user: `user${i}`, counter: 2 });
        },
      );
    };
    await check();
    // And still so after several anti-entropy rounds with the nodes that kept the tombstones.
    await new Promise((resolve) => setTimeout(resolve, 3 * PROCESS_TIMERS.antiEntropyMs));
    await check();
  }, 120_000);
});
