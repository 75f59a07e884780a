import { HttpClient } from '../support/http-client.js';

/**
 * A client that sends each request to the next of several app nodes in turn, as a round-robin
 * balancer without affinity would. With one node it is a plain client.
 */
export class RoundRobinClient extends HttpClient {
  private turn = 0;
  /** The `X-Node` header of each answer, in order. */
  readonly servedBy: string[] = [];

  constructor(private readonly nodes: readonly string[]) {
    super(nodes[0]);
  }

  override async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) {
    this.baseUrl = this.nodes[this.turn++ % this.nodes.length];
    const response = await super.request<T>(method, path, body, headers);
    this.servedBy.push(response.headers.get('x-node') ?? '?');
    return response;
  }
}

/**
 * The sample's whole user story: counter, data keys, login, a second device, the list of the
 * user's sessions, "log out everywhere else" and logout. Every step is asserted.
 */
export async function runSampleFlow(
  nodes: readonly string[],
  user: string,
): Promise<RoundRobinClient> {
  const browser = new RoundRobinClient(nodes);
  for (let expected = 1; expected <= 3; expected++) {
    const response = await browser.post('/api/counter');
    expect(response.status).toBe(200);
    expect(response.body.counter).toBe(expected);
  }
  await browser.put('/api/data/color', { value: 'blue' });
  await browser.put('/api/data/shape', { value: { sides: 3 } });
  expect((await browser.get('/api/session')).body).toMatchObject({
    user: null,
    counter: 3,
    data: { color: 'blue', shape: { sides: 3 } },
  });

  expect((await browser.post('/api/login', { username: user })).status).toBe(200);
  expect((await browser.get('/api/me')).body.user).toBe(user);
  expect((await browser.get('/api/session')).body).toMatchObject({
    user,
    counter: 3,
    data: { color: 'blue', shape: { sides: 3 } },
  });

  const phone = new RoundRobinClient([...nodes].reverse());
  expect((await phone.post('/api/login', { username: user })).status).toBe(200);
  const listed = await browser.get('/api/sessions');
  expect(listed.status).toBe(200);
  expect(listed.body.sessions).toHaveLength(2);
  expect(
    listed.body.sessions.filter((session: { current: boolean }) => session.current),
  ).toHaveLength(1);

  const revoked = await browser.post('/api/logout-others');
  expect(revoked.body.revoked).toBe(1);
  expect((await phone.get('/api/me')).status).toBe(401);
  expect((await browser.get('/api/sessions')).body.sessions).toHaveLength(1);

  expect((await browser.post('/api/logout')).status).toBe(204);
  expect((await browser.get('/api/me')).status).toBe(401);
  expect((await browser.get('/api/session')).body).toMatchObject({
    user: null,
    counter: 0,
    data: {},
  });
  return browser;
}
