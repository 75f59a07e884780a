import { HttpClient } from '../support/http-client.js';
import type { SampleProcess } from '../support/sample-process.js';
import { inParallel, planCluster, startSampleCluster, stopAll } from './support/sample-cluster.js';

/** Test 4: steady-state replication in async mode, where nothing waits for peers. */
describe('3 sample nodes (async): 1,000 sessions created round robin, each updated 5 times', () => {
  let nodes: SampleProcess[] = [];

  beforeAll(async () => {
    nodes = await startSampleCluster(await planCluster(3, 'steady'), { consistency: 'async' });
  }, 60_000);
  afterAll(() => stopAll(nodes));

  it('all nodes hold equal sessions within 2 s of the last write', async () => {
    const clients = Array.from({ length: 1000 }, (_, i) => new HttpClient(nodes[i % 3].url));
    await inParallel(clients, 16, async (client) => {
      expect((await client.post('/api/counter')).status).toBe(200);
      for (let step = 1; step <= 5; step++) {
        expect((await client.put(`/api/data/step${step}`, { value: step })).status).toBe(200);
      }
    });
    const quiet = Date.now();
    const expected = {
      user: null,
      counter: 1,
      data: { step1: 1, step2: 2, step3: 3, step4: 4, step5: 5 },
    };
    let passes = 0;
    for (;;) {
      const passStartedAfter = Date.now() - quiet;
      let missing = 0;
      passes++;
      await inParallel(clients, 16, async (client) => {
        for (const node of nodes) {
          const reader = new HttpClient(node.url);
          for (const [name, value] of client.jar) reader.jar.set(name, value);
          const view = (await reader.get('/api/session')).body;
          if (
            JSON.stringify({ user: view.user, counter: view.counter, data: view.data }) !==
            JSON.stringify(expected)
          )
            missing++;
        }
      });
      if (missing === 0) break;
      if (passStartedAfter > 2000)
        throw new Error(
          `${missing} session copies still differ ${passStartedAfter} ms after the last write`,
        );
    }
    process.stdout.write(
      `steady state: 3,000 session copies equal after ${passes} verification pass(es)\n`,
    );
  }, 120_000);
});
