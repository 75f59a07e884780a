import { ADAPTERS } from '../support/adapters.js';
import { HttpClient } from '../support/http-client.js';
import type { SampleProcess } from '../support/sample-process.js';
import { planCluster, startSampleCluster, stopAll } from './support/sample-cluster.js';

/** A client whose requests go round robin over the nodes, as behind a balancer without affinity. */
class RoundRobinClient extends HttpClient {
  private turn = 0;

  constructor(private readonly nodes: readonly SampleProcess[]) {
    super(nodes[0].url);
  }

  override request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    this.baseUrl = this.nodes[this.turn++ % this.nodes.length].url;
    return super.request<T>(method, path, body, headers);
  }

  on(node: SampleProcess): HttpClient {
    const client = new HttpClient(node.url);
    for (const [name, value] of this.jar) client.jar.set(name, value);
    return client;
  }
}

describe.each(ADAPTERS)('replicated strategy: three sample nodes ($name)', ({ name: adapter }) => {
  let nodes: SampleProcess[] = [];

  beforeAll(async () => {
    nodes = await startSampleCluster(await planCluster(3, `three-${adapter}`), { adapter });
  }, 60_000);
  afterAll(() => stopAll(nodes));

  it('every node reports healthy, with the replicated strategy', async () => {
    for (const node of nodes) {
      const health = await new HttpClient(node.url).get('/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ status: 'ok', strategy: 'replicated', node: node.name });
    }
  });

  it('one session, whichever node answers: counter, data keys, login and logout', async () => {
    const client = new RoundRobinClient(nodes);
    const served = new Set<string>();
    for (let expected = 1; expected <= 6; expected++) {
      const response = await client.post('/api/counter');
      expect(response.status).toBe(200);
      expect(response.body.counter).toBe(expected);
      served.add(response.body.node);
    }
    expect(served.size).toBe(3);

    await client.put('/api/data/color', { value: 'blue' });
    await client.put('/api/data/shape', { value: { sides: 3 } });
    for (const node of nodes) {
      const view = await client.on(node).get('/api/session');
      expect(view.body).toMatchObject({
        node: node.name,
        counter: 6,
        user: null,
        data: { color: 'blue', shape: { sides: 3 } },
      });
    }

    const anonymousCookie = client.cookieHeader();
    const login = await client.post('/api/login', { username: 'alice' });
    expect(login.status).toBe(200);
    expect(login.setCookies).toHaveLength(1);
    for (const node of nodes) {
      expect((await client.on(node).get('/api/me')).body).toEqual({
        node: node.name,
        user: 'alice',
      });
      // The id from before login is dead on every node: a planted id is worth nothing.
      const stale = await new HttpClient(node.url).get('/api/session', { cookie: anonymousCookie });
      expect(stale.body).toMatchObject({ user: null, counter: 0, data: {} });
    }
    expect((await client.on(nodes[2]).get('/api/session')).body).toMatchObject({
      counter: 6,
      user: 'alice',
    });

    const loggedInCookie = client.cookieHeader();
    const logout = await client.post('/api/logout');
    expect(logout.status).toBe(204);
    for (const node of nodes) {
      const replayed = await new HttpClient(node.url).get('/api/me', { cookie: loggedInCookie });
      expect(replayed.status).toBe(401);
    }
  });

  it("lists and revokes a principal's sessions from any node", async () => {
    const laptop = new RoundRobinClient(nodes);
    const phone = new RoundRobinClient([nodes[1], nodes[2], nodes[0]]);
    await laptop.post('/api/login', { username: 'bob' });
    await phone.post('/api/login', { username: 'bob' });
    const listed = await laptop.on(nodes[2]).get('/api/sessions');
    expect(listed.body.sessions).toHaveLength(2);
    const revoked = await phone.on(nodes[0]).post('/api/logout-others');
    expect(revoked.body.revoked).toBe(1);
    for (const node of nodes) expect((await laptop.on(node).get('/api/me')).status).toBe(401);
    expect((await phone.on(nodes[1]).get('/api/me')).status).toBe(200);
  });
});
