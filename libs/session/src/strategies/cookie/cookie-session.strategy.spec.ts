import { SessionNotSupportedError } from '../../session.errors.js';
import { SessionState, type SessionContext } from '../../session.js';
import type { SessionModuleOptions } from '../../session-module-options.interface.js';
import { resolveSessionOptions } from '../../session-options.js';
import { SessionService } from '../../session.service.js';
import type { OutgoingCookie } from '../../session-strategy.interface.js';
import { generateSessionId } from '../../utils/session-id.js';
import { SessionCookieTooLargeError } from './cookie-errors.js';
import type { CookieSessionStrategy } from './cookie-session.strategy.js';
import { cookieStrategy } from './index.js';

const SECRET = 'a-secret-that-is-long-enough-for-the-tests-0123';
const TTL = 60;

/**
 * A browser and the core's request lifecycle around the strategy, without HTTP: each `request()`
 * loads from the jar, runs the handler on the real `SessionState`, commits and applies the cookies.
 */
class Harness {
  readonly jar = new Map<string, string>();
  time = 1_800_000_000_000;
  lastCookies: readonly OutgoingCookie[] = [];

  private constructor(
    readonly strategy: CookieSessionStrategy,
    private readonly ttlMs: number,
    private readonly absoluteTtlMs: number,
  ) {}

  static async start(overrides: Partial<SessionModuleOptions> = {}): Promise<Harness> {
    let harness: Harness | undefined = undefined;
    const options = resolveSessionOptions({
      strategy: 'cookie',
      secret: SECRET,
      ttl: TTL,
      absoluteTtl: 600,
      clock: () => harness!.time,
      ...overrides,
    });
    const strategy = (await cookieStrategy.create(options)) as CookieSessionStrategy;
    harness = new Harness(strategy, options.ttlMs, options.absoluteTtlMs);
    return harness;
  }

  async request(handler: (state: SessionState) => void = () => undefined): Promise<SessionState> {
    const context: SessionContext = {
      now: () => this.time,
      ttlMs: this.ttlMs,
      absoluteTtlMs: this.absoluteTtlMs,
      rolling: true,
      newId: generateSessionId,
      saveNow: async () => undefined,
    };
    const loaded = await this.strategy.load(Object.fromEntries(this.jar), this.time);
    const state = new SessionState(context, loaded);
    handler(state);
    const commit = state.buildCommit();
    this.lastCookies = commit ? await this.strategy.commit(commit) : [];
    for (const { name, value, maxAge } of this.lastCookies) {
      if (maxAge === 0) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return state;
  }

  advance(seconds: number): void {
    this.time += seconds * 1000;
  }

  counts() {
    const { seals, unseals } = this.strategy.counters;
    return { seals, unseals };
  }
}

describe('CookieSessionStrategy', () => {
  it('is the "cookie" strategy with no server-side store', async () => {
    const { strategy } = await Harness.start();
    expect(strategy.name).toBe('cookie');
    expect(strategy.store).toBeNull();
    await expect(strategy.health()).resolves.toEqual({ ok: true });
  });

  it('a write seals once; reads unseal once each and seal nothing', async () => {
    const browser = await Harness.start();
    await browser.request((state) => state.set('counter', 1));
    expect(browser.counts()).toEqual({ seals: 1, unseals: 0 });
    for (let read = 0; read < 3; read++) {
      const state = await browser.request((session) => session.get('counter'));
      expect(state.get('counter')).toBe(1);
      expect(browser.lastCookies).toEqual([]);
    }
    expect(browser.counts()).toEqual({ seals: 1, unseals: 3 });
  });

  it('an anonymous request that writes nothing costs nothing', async () => {
    const browser = await Harness.start();
    await browser.request((state) => state.get('counter'));
    expect(browser.counts()).toEqual({ seals: 0, unseals: 0 });
    expect(browser.lastCookies).toEqual([]);
  });

  it('keeps the session id stable across writes, and changes it on login', async () => {
    const browser = await Harness.start();
    const first = await browser.request((state) => state.set('a', 1));
    const second = await browser.request((state) => state.set('b', 2));
    expect(second.id).toBe(first.id);
    const login = await browser.request((state) => state.login('zoe'));
    expect(login.id).not.toBe(first.id);
    const after = await browser.request();
    expect(after.id).toBe(login.id);
    expect(after.principal).toBe('zoe');
    expect(after.keys().sort()).toEqual(['a', 'b']);
  });

  it('rolling renewal only once less than half the idle time is left; Max-Age mirrors the idle expiry', async () => {
    const browser = await Harness.start();
    await browser.request((state) => state.set('counter', 1));
    expect(browser.lastCookies[0].maxAge).toBe(TTL);
    browser.advance(30); // exactly half left: not yet
    await browser.request();
    expect(browser.lastCookies).toEqual([]);
    browser.advance(1);
    await browser.request();
    expect(browser.lastCookies).toHaveLength(1);
    expect(browser.lastCookies[0].maxAge).toBe(TTL);
    expect(browser.counts()).toEqual({ seals: 2, unseals: 2 });
  });

  it('without rolling, reads never re-seal and the session ends ttl after its creation', async () => {
    const browser = await Harness.start({ rolling: false });
    await browser.request((state) => state.set('counter', 1));
    browser.advance(50);
    const read = await browser.request();
    expect(read.get('counter')).toBe(1);
    expect(browser.lastCookies).toEqual([]);
    browser.advance(11);
    expect((await browser.request()).get('counter')).toBeUndefined();
  });

  it('idle and absolute expiry are checked on unseal', async () => {
    const browser = await Harness.start();
    await browser.request((state) => state.set('counter', 1));
    const sealed = new Map(browser.jar);
    browser.advance(TTL);
    expect((await browser.request()).isNew).toBe(true);

    const busy = await Harness.start();
    await busy.request((state) => state.set('counter', 1));
    for (let elapsed = 50; elapsed < 600; elapsed += 50) {
      busy.advance(50);
      expect((await busy.request((state) => state.set('counter', elapsed))).isNew).toBe(false);
    }
    busy.advance(50); // 600 s since creation: the absolute timeout
    expect((await busy.request()).isNew).toBe(true);
    expect(sealed.size).toBe(1);
  });

  it('a session sealed with an older secret is re-sealed with the current one on its next request', async () => {
    const old = await Harness.start({ secret: [SECRET] });
    await old.request((state) => state.set('counter', 1));
    const rotated = await Harness.start({
      secret: ['the-next-secret-that-is-long-enough-012', SECRET],
    });
    rotated.time = old.time;
    for (const [name, value] of old.jar) rotated.jar.set(name, value);
    const read = await rotated.request();
    expect(read.get('counter')).toBe(1);
    expect(rotated.lastCookies).toHaveLength(1);
    await rotated.request();
    expect(rotated.lastCookies).toEqual([]);
  });

  it('too large: throws naming the size and the limit, and returns no cookie', async () => {
    const browser = await Harness.start({ cookie: { maxChunks: 1 } });
    await browser.request((state) => state.set('small', 1));
    const before = new Map(browser.jar);
    const blob = Buffer.alloc(6000, 7).toString('base64');
    await expect(browser.request((state) => state.set('blob', blob))).rejects.toThrow(
      SessionCookieTooLargeError,
    );
    expect(browser.jar).toEqual(before);
    expect((await browser.request()).keys()).toEqual(['small']);
  });

  it('logout clears every cookie the session may use', async () => {
    const browser = await Harness.start({ cookie: { maxChunks: 2 } });
    await browser.request((state) => state.login('ann'));
    await browser.request((state) => state.destroy());
    expect(browser.lastCookies.map(({ name, maxAge }) => [name, maxAge])).toEqual([
      ['sid', 0],
      ['sid.0', 0],
      ['sid.1', 0],
    ]);
    expect(browser.jar.size).toBe(0);
    expect((await browser.request()).isNew).toBe(true);
  });

  it('regenerate({ keepData: true }) re-seals under a new id; the chunk layout is tracked across it', async () => {
    const browser = await Harness.start({ cookie: { maxChunks: 3 } });
    const blob = Buffer.alloc(4000, 9).toString('base64');
    const first = await browser.request((state) => state.set('blob', blob));
    expect([...browser.jar.keys()].sort()).toEqual(['sid.0', 'sid.1']);
    const renewed = await browser.request((state) => {
      state.regenerate(true);
      state.set('blob', 'small');
    });
    expect(renewed.id).not.toBe(first.id);
    expect(browser.lastCookies.map(({ name, maxAge }) => [name, maxAge > 0])).toEqual([
      ['sid', true],
      ['sid.0', false],
      ['sid.1', false],
    ]);
    expect([...browser.jar.keys()]).toEqual(['sid']);
    expect((await browser.request()).id).toBe(renewed.id);
  });

  it('logout then a write in the same request: a new session, the other names cleared', async () => {
    const browser = await Harness.start({ cookie: { maxChunks: 2 } });
    await browser.request((state) => state.login('ann'));
    const first = [...browser.jar.values()][0];
    const state = await browser.request((session) => {
      session.destroy();
      session.set('fresh', true);
    });
    expect(browser.lastCookies.map(({ name, maxAge }) => [name, maxAge > 0])).toEqual([
      ['sid', true],
      ['sid.0', false],
      ['sid.1', false],
    ]);
    expect(browser.jar.get('sid')).not.toBe(first);
    expect((await browser.request()).id).toBe(state.id);
  });

  it('SessionService methods fail with a clear "not supported by the cookie strategy" error', async () => {
    const { strategy } = await Harness.start();
    const service = new SessionService(strategy);
    await expect(service.listByPrincipal('x')).rejects.toThrow(SessionNotSupportedError);
    await expect(service.listByPrincipal('x')).rejects.toThrow(
      'SessionService.listByPrincipal() is not supported by the cookie strategy: it keeps no server-side state',
    );
    await expect(service.revoke('x')).rejects.toThrow(
      'SessionService.revoke() is not supported by the cookie strategy',
    );
    await expect(service.revokeAllForPrincipal('x')).rejects.toThrow(
      'SessionService.revokeAllForPrincipal() is not supported by the cookie strategy',
    );
    await expect(service.health()).resolves.toEqual({
      ok: true,
      strategy: 'cookie',
      reason: undefined,
    });
  });
});
