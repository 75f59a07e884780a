import { SessionOptionsError } from './session.errors.js';
import type { SessionModuleOptions } from './session-module-options.interface.js';
import { resolveSessionOptions } from './session-options.js';

const SECRET = 's'.repeat(32);

function failure(options: Partial<SessionModuleOptions>): SessionOptionsError {
  try {
    resolveSessionOptions({
      strategy: 'memory',
      secret: SECRET,
      ...options,
    } as SessionModuleOptions);
  } catch (error) {
    if (error instanceof SessionOptionsError) return error;
    throw error;
  }
  throw new Error('expected a SessionOptionsError');
}

describe('resolveSessionOptions', () => {
  it('applies the documented defaults', () => {
    expect(resolveSessionOptions({ strategy: 'memory', secret: SECRET })).toMatchObject({
      strategy: 'memory',
      secrets: [SECRET],
      ttlMs: 1_800_000,
      absoluteTtlMs: 86_400_000,
      rolling: true,
      cookie: {
        name: 'sid',
        path: '/',
        httpOnly: true,
        secure: 'auto',
        sameSite: 'lax',
        maxChunks: 4,
        compress: false,
      },
    });
  });

  it.each<[string, Partial<SessionModuleOptions>, RegExp]>([
    [
      'strategy',
      { strategy: 'nope' as never },
      /"strategy": "nope" is unknown; use one of memory, redis, cookie, replicated/,
    ],
    ['strategy', { strategy: undefined }, /"strategy": is missing/],
    ['secret', { secret: '' }, /"secret": must be a non-empty string/],
    ['secret', { secret: 'short' }, /"secret": is 5 characters; it must have at least 32/],
    ['secret', { secret: [] }, /"secret": is an empty list/],
    ['secret[1]', { secret: [SECRET, 'short'] }, /"secret\[1\]": is 5 characters/],
    ['ttl', { ttl: 0 }, /"ttl": must be a number of seconds greater than 0/],
    ['ttl', { ttl: -5 }, /"ttl"/],
    ['absoluteTtl', { absoluteTtl: Number.NaN }, /"absoluteTtl"/],
    ['rolling', { rolling: 'yes' as never }, /"rolling": must be a boolean/],
    ['cookie.name', { cookie: { name: 'bad name' } }, /"cookie.name"/],
    [
      'cookie.name',
      { cookie: { name: '__Host-sid', secure: 'auto' } },
      /__Host- cookie requires secure: true/,
    ],
    [
      'cookie.name',
      { cookie: { name: '__Host-sid', secure: true, domain: 'example.com' } },
      /no domain/,
    ],
    ['cookie.name', { cookie: { name: '__Secure-sid' } }, /__Secure- cookie requires secure: true/],
    [
      'cookie.sameSite',
      { cookie: { sameSite: 'none', secure: false } },
      /'none' requires secure cookies/,
    ],
    ['cookie.sameSite', { cookie: { sameSite: 'sometimes' as never } }, /"cookie.sameSite"/],
    ['cookie.secure', { cookie: { secure: 'yes' as never } }, /"cookie.secure"/],
    ['cookie.path', { cookie: { path: 'relative' } }, /"cookie.path": must start with "\/"/],
    ['cookie.maxChunks', { cookie: { maxChunks: 0 } }, /"cookie.maxChunks"/],
    ['clock', { clock: 5 as never }, /"clock"/],
  ])('names the option %s', (option, options, message) => {
    const error = failure(options);
    expect(error.option).toBe(option);
    expect(error.message).toMatch(message);
  });

  it('accepts a valid __Host- cookie', () => {
    expect(() =>
      resolveSessionOptions({
        strategy: 'memory',
        secret: SECRET,
        cookie: { name: '__Host-sid', secure: true },
      }),
    ).not.toThrow();
  });

  it('accepts a store of your own instead of a strategy, and refuses half a store', () => {
    const store = {
      load: async () => undefined,
      save: async () => true,
      rename: async () => {},
      destroy: async () => {},
    };
    expect(resolveSessionOptions({ secret: SECRET, store }).strategy).toBe('custom');
    expect(
      failure({ strategy: undefined, store: { load: async () => undefined } as never }).message,
    ).toMatch(/"store": must implement SessionStore \(missing save, rename, destroy\)/);
    expect(failure({ store }).option).toBe('strategy');
  });
});
