import { ADAPTERS } from '../support/adapters.js';
import { startApp, type RunningApp } from '../support/nest-app.js';
import { TEST_SECRET } from '../support/sample-app.js';
import { LifecycleModule } from './apps/lifecycle.module.js';

describe.each(ADAPTERS)('commit timing ($name)', ({ create }) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(
      LifecycleModule.register({ strategy: 'memory', secret: TEST_SECRET }),
      create(),
    );
  });
  afterAll(() => running.close());

  it('a redirect reaches the client only after its session write is stored', async () => {
    const client = running.client();
    const redirect = await client.post('/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/value');
    expect((await client.get('/value')).body.value).toBe('set-before-redirect');
  });

  it('a handler that writes the response itself saves first with session.save()', async () => {
    const client = running.client();
    const redirect = await client.post('/manual-redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.setCookies).toHaveLength(1);
    expect((await client.get('/value')).body.value).toBe('set-before-manual-redirect');
  });

  it('what a failing handler wrote is kept, and its error still reaches the client', async () => {
    const client = running.client();
    expect((await client.post('/fail')).status).toBe(400);
    expect((await client.post('/fail')).status).toBe(400);
    expect((await client.get('/value')).body.attempts).toBe(2);
  });
});
