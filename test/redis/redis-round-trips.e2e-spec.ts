import { ADAPTERS } from '../support/adapters.js';
import { TestClock } from '../support/clock.js';
import { RedisServer } from '../support/redis-server.js';
import type { RunningSample } from '../support/sample-app.js';
import { CommandMonitor, type MonitoredCommand } from './command-monitor.js';
import { HttpClient, urlOf } from '../support/http-client.js';
import { sessionIdOf, startRedisSample } from './redis-sample.js';
import { Gates, startSlowWriteApp } from './slow-write.app.js';

const names = (commands: readonly MonitoredCommand[]) => commands.map((command) => command.name);

// Round trips counted on a real Redis with MONITOR, through the real sample app.
describe.each(ADAPTERS)('redis round trips ($name)', ({ name: adapter }) => {
  let redis: RedisServer;
  let monitor: CommandMonitor;
  let sample: RunningSample;
  const clock = new TestClock();

  beforeAll(async () => {
    redis = await RedisServer.start();
    monitor = await CommandMonitor.start(redis.url);
    sample = await startRedisSample(adapter, {
      redisUrl: redis.url,
      ttl: 600,
      sessionOverrides: { clock: clock.now },
    });
  });
  afterAll(async () => {
    await sample?.close();
    await monitor?.stop();
    await redis?.destroy();
  });

  it('an anonymous read, and a route that never touches the session, send nothing', async () => {
    const client = sample.client();
    const anonymous = await monitor.roundTrips(() => client.get('/api/session'));
    expect(anonymous.result.status).toBe(200);
    expect(anonymous.commands).toEqual([]);
    await client.post('/api/counter');
    // A route with no session use (here a 404), even from a client that has a session.
    const untouched = await monitor.roundTrips(() => client.get('/no-such-route'));
    expect(untouched.result.status).toBe(404);
    expect(untouched.commands).toEqual([]);
  });

  it('a route that never touches the session, in an app whose other routes do: nothing sent', async () => {
    const app = await startSlowWriteApp(adapter, redis.url, new Gates());
    try {
      const client = new HttpClient(await urlOf(app));
      await client.put('/fast/a', { value: 1 });
      const plain = await monitor.roundTrips(() => client.get('/plain'));
      expect(plain.result.body).toEqual({ ok: true });
      expect(plain.commands).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('first write: one command; each read, refresh included: one command, by EVALSHA after the first use', async () => {
    const client = sample.client();
    const created = await monitor.roundTrips(() => client.post('/api/counter'));
    expect(created.result.body.counter).toBe(1);
    expect(created.commands).toHaveLength(1);
    expect(['eval', 'evalsha']).toContain(created.commands[0].name);

    const reads: MonitoredCommand[][] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(10);
      const read = await monitor.roundTrips(() => client.get('/api/session'));
      expect(read.result.body.counter).toBe(1);
      reads.push(read.commands);
    }
    for (const commands of reads) expect(commands).toHaveLength(1);
    // The load script runs as EVAL at most once per connection, then by its SHA1 only.
    expect(names(reads.slice(1).flat())).toEqual(['evalsha', 'evalsha']);

    // The refresh happened in that one command: the idle expiry slid to now + ttl.
    const key = `sess:{${sessionIdOf(client)}}`;
    expect(Number(await redis.cli('hget', key, 'e'))).toBe(clock.now() + 600_000);
    expect(Number(await redis.cli('hget', key, 'l'))).toBe(clock.now());
  });

  it('a write of an existing session: the load and one write, both EVALSHA, writing only the changed field', async () => {
    const client = sample.client();
    await client.put('/api/data/color', { value: 'blue' });
    await client.put('/api/data/shape', { value: 'square' });
    const write = await monitor.roundTrips(() => client.put('/api/data/color', { value: 'red' }));
    expect(write.result.status).toBe(200);
    expect(names(write.commands)).toEqual(['evalsha', 'evalsha']);
    const save = write.commands[1];
    expect(save.args).toContain('d:data:color');
    expect(save.args).toContain('"red"');
    expect(save.args).not.toContain('d:data:shape');
  });

  it('login: the load, one atomic rename of the old id to the new one, and one index write', async () => {
    // A first login loads the rename and index scripts on this connection (EVAL, once).
    const warm = sample.client();
    await warm.post('/api/counter');
    await warm.post('/api/login', { username: `warm-${adapter}` });
    const client = sample.client();
    await client.post('/api/counter');
    const oldId = sessionIdOf(client);
    const login = await monitor.roundTrips(() =>
      client.post('/api/login', { username: `rt-${adapter}` }),
    );
    expect(login.result.status).toBe(200);
    const newId = sessionIdOf(client);
    expect(newId).not.toBe(oldId);
    expect(names(login.commands)).toEqual(['evalsha', 'evalsha', 'evalsha']);
    // Both ids in one command: there is no moment when neither exists.
    expect(login.commands[1].args.slice(1, 4)).toEqual(['2', `sess:{${oldId}}`, `sess:{${newId}}`]);
    expect(login.commands[2].args[2]).toBe(`sess:principal:rt-${adapter}`);
  });

  it('logout: the load and one DEL', async () => {
    const client = sample.client();
    await client.post('/api/counter');
    const id = sessionIdOf(client);
    const logout = await monitor.roundTrips(() => client.post('/api/logout'));
    expect(logout.result.status).toBe(204);
    expect(names(logout.commands)).toEqual(['evalsha', 'del']);
    expect(logout.commands[1].args).toEqual([`sess:{${id}}`]);
  });
});
