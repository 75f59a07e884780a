import { ADAPTERS } from '../support/adapters.js';
import { HttpClient } from '../support/http-client.js';
import { SampleProcess } from '../support/sample-process.js';

/**
 * Three sample nodes, each its own process on its own port, sharing nothing but SESSION_SECRET:
 * one client, sent to a different node on every request, keeps one session.
 */
describe.each(ADAPTERS)(
  'cookie strategy: three sample nodes sharing only the secret ($name)',
  ({ name: adapter }) => {
    let nodes: SampleProcess[] = [];
    let turn = 0;

    beforeAll(async () => {
      nodes = await Promise.all(
        ['node-a', 'node-b', 'node-c'].map((name) =>
          SampleProcess.start(name, { SESSION_STRATEGY: 'cookie', HTTP_ADAPTER: adapter }),
        ),
      );
    }, 60_000);
    afterAll(() => Promise.all(nodes.map((node) => node.stop())));

    /** A client whose every request goes to the next node in turn. */
    function roundRobin(client: HttpClient): HttpClient {
      const request = client.request.bind(client);
      client.request = (method, path, body, headers) => {
        client.baseUrl = nodes[turn++ % nodes.length].url;
        return request(method, path, body, headers);
      };
      return client;
    }

    it('counter, data keys, login and logout work whichever node serves each request', async () => {
      for (const node of nodes) expect(node.log).toContain(`(cookie, ${adapter}) listening on`);
      const client = roundRobin(new HttpClient(nodes[0].url));
      const servedBy = new Set<string>();
      for (let expected = 1; expected <= 6; expected++) {
        const response = await client.post('/api/counter');
        expect(response.body.counter).toBe(expected);
        servedBy.add(response.headers.get('x-node')!);
      }
      expect([...servedBy].sort()).toEqual(['node-a', 'node-b', 'node-c']);

      await client.put('/api/data/color', { value: 'green' });
      await client.put('/api/data/size', { value: 42 });
      const session = await client.get('/api/session');
      expect(session.body).toMatchObject({
        strategy: 'cookie',
        counter: 6,
        data: { color: 'green', size: 42 },
      });

      expect((await client.post('/api/login', { username: 'nina' })).status).toBe(200);
      for (let read = 0; read < 3; read++) {
        const me = await client.get('/api/me');
        expect(me.body.user).toBe('nina');
        expect(me.setCookies).toEqual([]);
      }
      expect((await client.get('/api/session')).body).toMatchObject({ user: 'nina', counter: 6 });

      expect((await client.post('/api/logout')).status).toBe(204);
      for (let read = 0; read < 3; read++) {
        expect((await client.get('/api/me')).status).toBe(401);
        expect((await client.get('/api/session')).body).toMatchObject({
          user: null,
          counter: 0,
          data: {},
        });
      }
    });
  },
);
