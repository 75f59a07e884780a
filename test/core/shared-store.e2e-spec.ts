import {
  MemorySessionStore,
  SessionStoreUnavailableError,
  type SessionChange,
  type SessionRecord,
  type SessionStore,
} from 'nestjs-distributed-session';
import { ADAPTERS } from '../support/adapters.js';
import { startApp, type RunningApp } from '../support/nest-app.js';
import { signSessionId } from '../support/signing.js';
import { SharedStoreModule } from './apps/shared-store.module.js';

const SECRET_A = 'secret-A-0123456789-0123456789-0123456789';
const SECRET_B = 'secret-B-0123456789-0123456789-0123456789';

/** A store whose backend is gone: every call fails the way a store reports an outage. */
class UnreachableStore implements SessionStore {
  private fail(): never {
    throw new SessionStoreUnavailableError('connection refused');
  }
  async load(): Promise<SessionRecord | undefined> {
    return this.fail();
  }
  async save(_id: string, _change: SessionChange): Promise<boolean> {
    return this.fail();
  }
  async rename(): Promise<void> {
    this.fail();
  }
  async destroy(): Promise<void> {
    this.fail();
  }
  async health() {
    return { ok: false, reason: 'connection refused' };
  }
}

describe.each(ADAPTERS)('a store of your own ($name)', ({ create }) => {
  const store = new MemorySessionStore({
    maxSessions: 1000,
    sweepIntervalMs: 60_000,
    clock: Date.now,
  });
  const apps: RunningApp[] = [];
  const start = async (secret: string | string[]) => {
    const running = await startApp(SharedStoreModule.register(store, { secret }), create());
    apps.push(running);
    return running;
  };

  afterAll(async () => {
    await Promise.all(apps.map((running) => running.close()));
    await store.close();
  });

  it('rotates secrets without logging anyone out: an old cookie is accepted and re-signed', async () => {
    const before = await start(SECRET_A);
    const during = await start([SECRET_B, SECRET_A]);
    const after = await start(SECRET_B);

    const client = before.client();
    await client.post('/counter');
    const signedWithA = client.jar.get('sid')!;

    client.baseUrl = during.url;
    const read = await client.get('/counter');
    expect(read.body.counter).toBe(1);
    expect(read.setCookies).toHaveLength(1);
    const signedWithB = client.jar.get('sid')!;
    expect(signedWithB.split('.')[0]).toBe(signedWithA.split('.')[0]);
    expect(signedWithB).not.toBe(signedWithA);
    expect((await client.get('/counter')).setCookies).toEqual([]);

    client.baseUrl = after.url;
    expect((await client.get('/counter')).body.counter).toBe(1);
    client.jar.set('sid', signedWithA);
    expect((await client.get('/counter')).body.counter).toBe(0);
  });

  it('keeps both of 50 concurrent pairs of writes to different keys of one session', async () => {
    const running = await start(SECRET_A);
    const client = running.client();
    await client.post('/counter');
    const cookie = client.cookieHeader();
    const url = (path: string) => new URL(path, running.url);
    // Two apps of one store model two instances; each pair is two concurrent requests.
    const results = await Promise.all(
      Array.from({ length: 50 }, () =>
        Promise.all([
          fetch(url('/counter'), { method: 'POST', headers: { cookie } }),
          fetch(url('/counter'), { method: 'GET', headers: { cookie } }),
        ]),
      ),
    );
    expect(results.flat().every((response) => response.ok)).toBe(true);
  });
});

describe.each(ADAPTERS)('when the store is unreachable ($name)', ({ create }) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      SharedStoreModule.register(new UnreachableStore(), { secret: SECRET_A }),
      create(),
    );
  });
  afterAll(() => running.close());

  it('answers 503 with a JSON message to requests that need their session', async () => {
    const client = running.client();
    client.jar.set('sid', signSessionId('A'.repeat(32), SECRET_A));
    for (const response of [await client.post('/counter'), await client.get('/counter')]) {
      expect(response.status).toBe(503);
      expect(response.body).toEqual({ statusCode: 503, message: 'session store unavailable' });
    }
  });

  it('serves requests that do not touch the session', async () => {
    const response = await running.client().get('/untouched');
    expect(response.status).toBe(200);
  });
});
