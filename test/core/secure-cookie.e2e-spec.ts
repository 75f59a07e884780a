import { ADAPTERS } from '../support/adapters.js';
import { startSample, type RunningSample } from '../support/sample-app.js';

describe.each(ADAPTERS)("secure: 'auto' and proxies ($name)", ({ name: adapter }) => {
  const started: RunningSample[] = [];
  const cookieOf = async (sample: RunningSample, headers: Record<string, string> = {}) => {
    const response = await sample.client().post('/api/counter', undefined, headers);
    return response.setCookies[0];
  };

  afterAll(() => Promise.all(started.map((sample) => sample.close())));

  it('marks the cookie Secure when a trusted proxy says the client used HTTPS', async () => {
    const sample = await startSample(adapter, { trustProxy: true });
    started.push(sample);
    expect(await cookieOf(sample, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure/);
    expect(await cookieOf(sample)).not.toMatch(/; Secure/);
  });

  it('never trusts X-Forwarded-Proto from a proxy the app does not trust', async () => {
    const sample = await startSample(adapter, { trustProxy: false });
    started.push(sample);
    expect(await cookieOf(sample, { 'x-forwarded-proto': 'https' })).not.toMatch(/; Secure/);
  });

  it('secure: true marks it Secure always; sameSite and the name follow the options', async () => {
    const sample = await startSample(adapter, {
      sessionOverrides: { cookie: { name: '__Host-sid', secure: true, sameSite: 'strict' } },
    });
    started.push(sample);
    expect(await cookieOf(sample)).toMatch(
      /^__Host-sid=[^;]+; Max-Age=\d+; Path=\/; HttpOnly; Secure; SameSite=Strict$/,
    );
  });
});
