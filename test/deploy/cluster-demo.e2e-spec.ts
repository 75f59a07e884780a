import { HttpClient, type ClientResponse } from '../support/http-client.js';
import { ClusterDemo } from './support/cluster-demo.js';
import { isRunning, waitFor } from './support/wait.js';

// `npm start`: three sample nodes behind a round-robin balancer, as real processes.

const nodeOf = (response: ClientResponse): string => response.headers.get('x-node') ?? '?';

describe('npm start: the local cluster demo', () => {
  const demos: ClusterDemo[] = [];
  afterAll(() => Promise.all(demos.map((demo) => demo.stop())), 60_000);

  it('starts three nodes behind a round-robin balancer, prints one line per node and the URL, and Ctrl-C leaves no process behind', async () => {
    const demo = await ClusterDemo.start('memory', { via: 'npm' });
    demos.push(demo);
    expect(demo.nodes.map((node) => node.name)).toEqual(['node-1', 'node-2', 'node-3']);
    expect(demo.log).toMatch(
      /^node-1 {2}pid \d+ {2}http:\/\/127\.0\.0\.1:\d+ {2}memory {2}healthy$/m,
    );
    expect(demo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const client = new HttpClient(demo.url);
    const answers: string[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await client.get('/api/session');
      expect(response.status).toBe(200);
      answers.push(nodeOf(response));
    }
    expect(new Set(answers)).toEqual(new Set(['node-1', 'node-2', 'node-3']));

    const pids = [demo.child.pid!, ...demo.nodes.map((node) => node.pid)];
    expect(pids.every(isRunning)).toBe(true);
    // Ctrl-C in a terminal: SIGINT to every process of the foreground group.
    demo.signal('SIGINT');
    await demo.waitGone();
    expect(pids.filter(isRunning)).toEqual([]);
    // npm itself ends as a shell command does on Ctrl-C: by the signal.
    await waitFor(
      () => demo.child.exitCode !== null || demo.child.signalCode !== null,
      'npm to end',
    );
    expect([0, null]).toContain(demo.child.exitCode);
  }, 120_000);

  it('runs the replicated strategy by default, with one generated secret for the three nodes; a node that dies leaves the rotation; SIGTERM to the script alone stops every node', async () => {
    const demo = await ClusterDemo.start('replicated', {
      via: 'node',
      env: { SESSION_STRATEGY: undefined, SESSION_SECRET: undefined },
    });
    demos.push(demo);
    expect(demo.log).toMatch(
      /^node-1 {2}pid \d+ {2}\S+ {2}replicated {2}replication 127\.0\.0\.1:\d+ {2}healthy$/m,
    );
    expect(demo.log).toContain('a secret generated for this run');

    // One continuous counter across the nodes: they share the sessions and the secret.
    const client = new HttpClient(demo.url);
    const answers: { node: string; counter: number }[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await client.post('/api/counter');
      expect(response.status).toBe(200);
      answers.push({ node: nodeOf(response), counter: response.body.counter });
    }
    expect(answers.map((a) => a.counter)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(new Set(answers.map((a) => a.node)).size).toBe(3);

    // node-2 crashes: the balancer stops sending it requests, the session lives on.
    const crashed = demo.nodes.find((node) => node.name === 'node-2')!;
    process.kill(crashed.pid, 'SIGKILL');
    await waitFor(() => demo.log.includes('node-2 exited'), 'the demo to notice node-2 exited');
    const after: string[] = [];
    for (let i = 0; i < 4; i++) {
      const response = await client.post('/api/counter');
      expect(response.status).toBe(200);
      expect(response.body.counter).toBe(7 + i);
      after.push(nodeOf(response));
    }
    expect(new Set(after)).toEqual(new Set(['node-1', 'node-3']));

    // `kill <pid>` of the script alone (no group signal): it stops its nodes itself.
    const pids = [demo.child.pid!, ...demo.nodes.map((node) => node.pid)];
    demo.signal('SIGTERM', 'process');
    await demo.waitGone();
    expect(pids.filter(isRunning)).toEqual([]);
    expect(demo.child.exitCode).toBe(0);
  }, 120_000);

  it('stops everything and exits 1 with the reason when a node cannot start', async () => {
    await expect(
      ClusterDemo.start('memory', { via: 'node', env: { SESSION_STRATEGY: 'nosuch' } }),
    ).rejects.toThrow(
      /exited with 1[\s\S]*node-\d exited \(code 1\) before it listened[\s\S]*SESSION_STRATEGY=nosuch is not one of/,
    );
  }, 60_000);
});
