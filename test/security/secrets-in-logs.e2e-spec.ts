import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { waitFor } from '../deploy/support/wait.js';
import { freePort } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { SampleProcess } from '../support/sample-process.js';

// Secrets and session ids never appear in a log line or an error body. Sample nodes run as real
// processes with Nest's default logger, which prints every level (debug and verbose included); every
// route is exercised, errors and outages included (Redis stopped, junk on the replication port, a
// replication peer with the wrong secret). Then every line each node printed and every response
// body is searched for the configured secrets and for every session id and cookie value issued.
//
// One route returns session ids on purpose: GET /api/sessions lists the caller's own sessions (their
// devices) to the caller. Its bodies are checked to name only the caller's sessions, and are not
// searched for ids.

const SESSION_SECRETS = [
  randomBytes(36).toString('base64url'),
  randomBytes(36).toString('base64url'),
];
const REPLICATION_SECRET = randomBytes(36).toString('base64url');
const WRONG_REPLICATION_SECRET = randomBytes(36).toString('base64url');

interface Exchange {
  readonly label: string;
  readonly status: number;
  readonly body: string;
}

/** A cookie-jar client that keeps every body and every cookie value it was given. */
class RecordingClient {
  readonly jar = new Map<string, string>();
  static readonly issued = new Set<string>();
  readonly exchanges: Exchange[] = [];

  constructor(private readonly baseUrl: string) {}

  async send(method: string, path: string, body?: string, headers: Record<string, string> = {}) {
    const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body,
      signal: AbortSignal.timeout(10_000),
    });
    for (const header of response.headers.getSetCookie()) {
      const pair = header.split(';')[0];
      const name = pair.slice(0, pair.indexOf('='));
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value === '' || /max-age=0/i.test(header)) this.jar.delete(name);
      else {
        this.jar.set(name, value);
        RecordingClient.issued.add(value);
      }
    }
    const text = await response.text();
    this.exchanges.push({ label: `${method} ${path}`, status: response.status, body: text });
    return { status: response.status, text };
  }
}

/** Every route of the sample, with the errors each can give. */
async function exercise(client: RecordingClient): Promise<void> {
  await client.send('GET', '/');
  await client.send('GET', '/health');
  await client.send('GET', '/api/session');
  await client.send('GET', '/api/me');
  await client.send('GET', '/api/sessions');
  await client.send('POST', '/api/counter');
  await client.send('PUT', '/api/data/colour', JSON.stringify({ value: 'blue' }));
  await client.send('PUT', '/api/data/bad key!', JSON.stringify({ value: 'x' }));
  await client.send('PUT', '/api/data/colour', JSON.stringify({ nope: 1 }));
  await client.send('PUT', '/api/data/colour', '{ not json');
  await client.send('POST', '/api/login', JSON.stringify({ username: 'no spaces allowed' }));
  await client.send('POST', '/api/login', JSON.stringify({ username: 'alice' }));
  await client.send('GET', '/api/me');
  await client.send('GET', '/api/sessions');
  await client.send('POST', '/api/logout-others');
  await client.send('GET', '/no/such/route');
  // A tampered copy of the cookie, and junk.
  const [name, value] = [...client.jar][0] ?? ['sid', 'x'];
  const tampered = new RecordingClient((client as unknown as { baseUrl: string }).baseUrl);
  tampered.jar.set(name, `${value.slice(0, -2)}AA`);
  await tampered.send('GET', '/api/me');
  tampered.jar.set(name, 'junk'.repeat(100));
  await tampered.send('POST', '/api/counter');
  client.exchanges.push(...tampered.exchanges);
  await client.send('POST', '/api/logout');
  await client.send('GET', '/api/me');
}

/** Every secret and every id or cookie value that appears in `text`. */
function leaks(text: string, ids: Iterable<string>): string[] {
  const found: string[] = [];
  for (const secret of [...SESSION_SECRETS, REPLICATION_SECRET, WRONG_REPLICATION_SECRET]) {
    if (text.includes(secret)) found.push(`a secret (${secret.slice(0, 4)}…)`);
  }
  for (const id of ids)
    if (id.length >= 16 && text.includes(id)) found.push(`an id or cookie (${id.slice(0, 6)}…)`);
  return found;
}

/** The ids and cookie values issued, with each signed id's id part on its own. */
function issuedValues(): string[] {
  const values = new Set<string>();
  for (const value of RecordingClient.issued) {
    values.add(value);
    const dot = value.indexOf('.');
    if (dot === 32) values.add(value.slice(0, 32));
  }
  return [...values];
}

const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];

describe.each(ADAPTERS)('secrets and ids in logs and error bodies (%s)', (adapter) => {
  const nodes: SampleProcess[] = [];
  const clients: RecordingClient[] = [];
  let redis: RedisServer | undefined;

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await redis?.destroy();
  });

  const base = {
    HTTP_ADAPTER: adapter,
    SESSION_SECRET: SESSION_SECRETS.join(','),
  };

  it('memory and cookie: every route, errors included', async () => {
    for (const strategy of ['memory', 'cookie']) {
      const node = await SampleProcess.start(`${strategy}-${adapter}`, {
        ...base,
        SESSION_STRATEGY: strategy,
      });
      nodes.push(node);
      const client = new RecordingClient(node.url);
      clients.push(client);
      await exercise(client);
    }
  });

  it('redis: every route, then the same with Redis down (503) and back', async () => {
    redis = await RedisServer.start();
    const node = await SampleProcess.start(`redis-${adapter}`, {
      ...base,
      SESSION_STRATEGY: 'redis',
      REDIS_URL: redis.url,
    });
    nodes.push(node);
    const client = new RecordingClient(node.url);
    clients.push(client);
    await exercise(client);
    await client.send('POST', '/api/login', JSON.stringify({ username: 'bob' }));
    await redis.stop();
    const down = new RecordingClient(node.url);
    down.jar.set('sid', client.jar.get('sid')!);
    clients.push(down);
    const unavailable = await down.send('GET', '/api/session');
    expect(unavailable.status).toBe(503);
    await down.send('POST', '/api/counter');
    await down.send('GET', '/health');
    await redis.start();
    await waitFor(
      async () => (await down.send('GET', '/health')).status === 200,
      'Redis to be back',
      15_000,
    );
    await exercise(down);
  });

  it('replicated: every route, junk on the replication port, and a peer with the wrong secret', async () => {
    const [portA, portB, replA, replB] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const timers = JSON.stringify({ joinTimeoutMs: 300, handshakeTimeoutMs: 500 });
    const env = (own: number, peer: number, secret: string): NodeJS.ProcessEnv => ({
      ...base,
      SESSION_STRATEGY: 'replicated',
      REPLICATION_HOST: '127.0.0.1',
      REPLICATION_PORT: String(own),
      REPLICATION_PEERS: `127.0.0.1:${peer}`,
      REPLICATION_SECRET: secret,
      REPLICATION_TIMERS: timers,
    });
    const a = await SampleProcess.start(
      `replicated-a-${adapter}`,
      env(replA, replB, REPLICATION_SECRET),
      portA,
    );
    nodes.push(a);
    const b = await SampleProcess.start(
      `replicated-b-${adapter}`,
      env(replB, replA, WRONG_REPLICATION_SECRET),
      portB,
    );
    nodes.push(b);
    for (let i = 0; i < 5; i++) {
      const socket = connect({ host: '127.0.0.1', port: replA });
      socket.on('error', () => undefined);
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.end(randomBytes(200));
    }
    const client = new RecordingClient(a.url);
    clients.push(client);
    await exercise(client);
    // Give the two nodes time to fail their handshakes with each other a few times, and log it.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  it('no node printed a secret, an id or a cookie value; no error body carries one', () => {
    const ids = issuedValues();
    expect(ids.length).toBeGreaterThan(5);
    const found: string[] = [];
    for (const node of nodes) {
      expect(node.log.length).toBeGreaterThan(0);
      for (const line of node.log.split('\n')) {
        for (const leak of leaks(line, ids)) found.push(`${node.name} log: ${leak}`);
      }
    }
    for (const client of clients) {
      for (const exchange of client.exchanges) {
        if (exchange.label === 'GET /api/sessions') continue;
        for (const leak of leaks(exchange.body, ids))
          found.push(`${exchange.label} (${exchange.status}): ${leak}`);
      }
    }
    expect(found).toEqual([]);
    // The scan saw the outage's log lines (a control: the logs searched are the real ones).
    expect(nodes.some((node) => /Redis connection lost/.test(node.log))).toBe(true);
    // The errors were exercised: 400, 401, 404 and (redis) 503 bodies were searched.
    const statuses = new Set(clients.flatMap((client) => client.exchanges.map((e) => e.status)));
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 204, 400, 401, 404, 503]));
  });

  it('GET /api/sessions names only the caller’s own sessions', async () => {
    const node = nodes.find((n) => n.name === `memory-${adapter}`)!;
    const alice = new RecordingClient(node.url);
    const mallory = new RecordingClient(node.url);
    await alice.send('POST', '/api/login', JSON.stringify({ username: 'alice' }));
    await mallory.send('POST', '/api/login', JSON.stringify({ username: 'mallory' }));
    const list = JSON.parse((await mallory.send('GET', '/api/sessions')).text) as {
      sessions: { id: string }[];
    };
    const aliceId = alice.jar.get('sid')!.slice(0, 32);
    expect(list.sessions.map((s) => s.id)).not.toContain(aliceId);
    expect(list.sessions).toHaveLength(1);
  });
});
