import { ADAPTERS } from '../support/adapters.js';
import { startApp, type RunningApp } from '../support/nest-app.js';
import { GlobalGuardModule } from './apps/global-guard.module.js';

describe.each(ADAPTERS)('SessionGuard as a global guard ($name)', ({ create }) => {
  let running: RunningApp;

  beforeAll(async () => {
    running = await startApp(GlobalGuardModule, create());
  });
  afterAll(() => running.close());

  it('refuses anonymous requests with 401 and a JSON body', async () => {
    const response = await running.client().get('/private');
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toMatch(/application\/json/);
    expect(response.body).toEqual({
      statusCode: 401,
      message: 'Authentication required',
      error: 'Unauthorized',
    });
  });

  it('lets @AllowAnonymous() routes and controllers through', async () => {
    const client = running.client();
    expect((await client.get('/public')).status).toBe(200);
    expect((await client.post('/private/login', { user: 'erin' })).status).toBe(200);
  });

  it('lets a logged-in session through', async () => {
    const client = running.client();
    await client.post('/private/login', { user: 'erin' });
    expect((await client.get('/private')).body).toEqual({ user: 'erin' });
  });
});
