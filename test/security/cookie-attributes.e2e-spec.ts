import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { SessionOptionsError, type SessionModuleOptions } from 'nestjs-distributed-session';
import { SampleModule } from '../../apps/sample/src/sample.module.js';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { incompressible } from '../cookie/support/cookie-sample.js';
import { startSample, TEST_SECRET } from '../support/sample-app.js';

// Cookie attributes as an attacker would probe them. test/core/secure-cookie.e2e-spec.ts proves
// `secure: 'auto'` behind a trusted proxy (memory strategy) and a valid `__Host-` cookie;
// test/deploy/nginx.e2e-spec.ts the same through a real nginx over HTTPS. Here: every `__Host-`
// misconfiguration stops the app at start, and `secure: 'auto'` holds for the cookie strategy's
// sealed (and chunked) cookies and for the cookie that clears a session at logout.

const ADAPTERS: readonly HttpAdapterName[] = ['express', 'fastify'];
type CookieOptions = NonNullable<SessionModuleOptions['cookie']>;

describe.each(ADAPTERS)('cookie attributes (%s)', (adapter) => {
  const started: { close(): Promise<void> }[] = [];
  afterAll(() => Promise.all(started.map((sample) => sample.close())));

  const misconfigured: Record<string, CookieOptions> = {
    "secure: 'auto'": { name: '__Host-sid', secure: 'auto' },
    'secure: false': { name: '__Host-sid', secure: false },
    "path: '/app'": { name: '__Host-sid', secure: true, path: '/app' },
    'a domain': { name: '__Host-sid', secure: true, domain: 'example.com' },
  };

  it.each(Object.keys(misconfigured))(
    'a __Host- name with %s is refused at start',
    async (label) => {
      // The sample's module on the platform, as main.ts creates it (without Nest's exit on error).
      const module = SampleModule.register({
        strategy: 'memory',
        adapter,
        port: 0,
        host: '127.0.0.1',
        nodeName: 'host-prefix',
        secrets: [TEST_SECRET],
        replicationPeers: [],
        trustProxy: false,
        sessionOverrides: { cookie: misconfigured[label] },
      });
      const platform = adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter();
      const start = NestFactory.create(module, platform, { abortOnError: false, logger: false });
      await expect(start).rejects.toThrow(SessionOptionsError);
      await expect(start).rejects.toThrow(/__Host-/);
    },
  );

  it.each([true, false])(
    "cookie strategy, secure: 'auto', proxy trusted: %s — every chunk of a big session is Secure exactly when the trusted proxy says HTTPS",
    async (trustProxy) => {
      const sample = await startSample(adapter, {
        strategy: 'cookie',
        trustProxy,
        sessionOverrides: { cookie: { maxChunks: 4 } },
      });
      started.push(sample);
      const client = sample.client();
      const written = await client.put(
        '/api/data/big',
        { value: incompressible(5000) },
        { 'x-forwarded-proto': 'https' },
      );
      expect(written.status).toBe(200);
      expect(written.setCookies.length).toBeGreaterThan(1);
      for (const cookie of written.setCookies) {
        if (trustProxy) expect(cookie).toMatch(/; Secure/);
        else expect(cookie).not.toMatch(/; Secure/);
      }
    },
  );

  it("secure: 'auto' behind a trusted proxy: the session cookie and the logout's clearing cookie are Secure; without the header, neither", async () => {
    const sample = await startSample(adapter, { trustProxy: true });
    started.push(sample);
    const https = { 'x-forwarded-proto': 'https' };
    const client = sample.client();
    const login = await client.post('/api/login', { username: 'alice' }, https);
    expect(login.setCookies[0]).toMatch(/; HttpOnly; Secure; SameSite=Lax$/);
    const logout = await client.post('/api/logout', undefined, https);
    expect(logout.setCookies[0]).toMatch(/^sid=; .*Secure/);
    const plain = sample.client();
    const anonymous = await plain.post('/api/login', { username: 'bob' });
    expect(anonymous.setCookies[0]).not.toMatch(/Secure/);
  });
});
