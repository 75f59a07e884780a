import { ADAPTERS } from '../support/adapters.js';
import { TEST_SECRET } from '../support/sample-app.js';
import {
  counting,
  jweHeader,
  startCookieSample,
  type CookieSample,
} from './support/cookie-sample.js';

const SECRET_A = TEST_SECRET;
const SECRET_B = 'the-next-secret-in-the-rotation-0123456789';

describe.each(ADAPTERS)('cookie strategy: key rotation ($name)', ({ name: adapter }) => {
  let onlyA: CookieSample;
  let newBOldA: CookieSample;
  let onlyB: CookieSample;
  let sealedWithA: string;
  let kidA: string;
  let kidB: string;

  beforeAll(async () => {
    [onlyA, newBOldA, onlyB] = await Promise.all([
      startCookieSample(adapter, { secrets: [SECRET_A] }),
      startCookieSample(adapter, { secrets: [SECRET_B, SECRET_A] }),
      startCookieSample(adapter, { secrets: [SECRET_B] }),
    ]);
    const client = onlyA.client();
    await client.post('/api/login', { username: 'rita' });
    await client.post('/api/counter');
    sealedWithA = client.jar.get('sid')!;
    kidA = jweHeader(sealedWithA).kid as string;
    const other = onlyB.client();
    await other.post('/api/counter');
    kidB = jweHeader(other.jar.get('sid')!).kid as string;
  });
  afterAll(() => Promise.all([onlyA, newBOldA, onlyB].map((sample) => sample?.close())));

  it('each secret has its own kid, which does not reveal the secret', () => {
    expect(kidA).not.toBe(kidB);
    for (const kid of [kidA, kidB]) {
      expect(SECRET_A).not.toContain(kid);
      expect(SECRET_B).not.toContain(kid);
    }
  });

  it('[B, A]: the A cookie is still valid and is re-sealed with B on its next change', async () => {
    const client = newBOldA.client();
    client.jar.set('sid', sealedWithA);
    const write = await client.post('/api/counter');
    expect(write.body.counter).toBe(2);
    expect(write.setCookies).toHaveLength(1);
    expect(jweHeader(client.jar.get('sid')!).kid).toBe(kidB);
    expect((await client.get('/api/me')).body.user).toBe('rita');
  });

  it('[B, A]: a read of an A cookie re-seals it with B once, then reads seal nothing', async () => {
    const cost = counting(newBOldA.strategy);
    const client = newBOldA.client();
    client.jar.set('sid', sealedWithA);
    const first = await client.get('/api/session');
    expect(first.body).toMatchObject({ user: 'rita', counter: 1 });
    expect(first.setCookies).toHaveLength(1);
    expect(jweHeader(client.jar.get('sid')!).kid).toBe(kidB);
    expect(cost()).toEqual({ seals: 1, unseals: 1 });
    const second = await client.get('/api/session');
    expect(second.setCookies).toEqual([]);
    expect(cost()).toEqual({ seals: 0, unseals: 1 });
  });

  it('[B]: the A cookie is "no session"; the cookie re-sealed with B is valid', async () => {
    const stale = onlyB.client();
    stale.jar.set('sid', sealedWithA);
    const rejected = await stale.get('/api/session');
    expect(rejected.status).toBe(200);
    expect(rejected.body).toMatchObject({ user: null, counter: 0, data: {} });
    expect((await stale.get('/api/me')).status).toBe(401);

    const migrated = newBOldA.client();
    migrated.jar.set('sid', sealedWithA);
    await migrated.get('/api/session');
    const current = onlyB.client();
    current.jar.set('sid', migrated.jar.get('sid')!);
    expect((await current.get('/api/session')).body).toMatchObject({ user: 'rita', counter: 1 });
  });

  it('[A] alone does not open a cookie sealed with B', async () => {
    const client = onlyB.client();
    await client.post('/api/login', { username: 'bert' });
    const back = onlyA.client();
    back.jar.set('sid', client.jar.get('sid')!);
    expect((await back.get('/api/me')).status).toBe(401);
  });
});
