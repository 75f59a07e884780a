import { serialize } from 'cookie';
import { resolveSessionOptions } from '../../session-options.js';
import type { SessionModuleOptions } from '../../session-module-options.interface.js';
import { CookieChunker } from './cookie-chunks.js';
import { SessionCookieTooLargeError } from './cookie-errors.js';

const SECRET = 'a-secret-that-is-long-enough-for-the-tests-0123';

function chunkerFor(overrides: Partial<SessionModuleOptions> = {}) {
  const options = resolveSessionOptions({ strategy: 'cookie', secret: SECRET, ...overrides });
  return {
    options,
    chunker: new CookieChunker(options.cookie.name, options.cookie.maxChunks, options),
  };
}

/** The Set-Cookie line the core would write, in the worst case (Secure on, the longest Max-Age). */
function worstSetCookie(
  overrides: Partial<SessionModuleOptions>,
  name: string,
  value: string,
): string {
  const { options } = chunkerFor(overrides);
  const { path, domain, httpOnly, sameSite } = options.cookie;
  const maxAge = Math.ceil(Math.max(options.ttlMs, options.absoluteTtlMs) / 1000);
  return serialize(name, value, { path, domain, httpOnly, sameSite, secure: true, maxAge });
}

describe('CookieChunker', () => {
  const settings: Partial<SessionModuleOptions>[] = [
    {},
    { cookie: { name: '__Host-session', secure: true, sameSite: 'none', maxChunks: 12 } },
    {
      cookie: {
        path: '/a/rather/long/path/for/the/app',
        domain: 'sessions.example.com',
        maxChunks: 20,
      },
      absoluteTtl: 99_999_999,
    },
  ];

  it.each(settings)(
    'every cookie it produces fits in 4096 bytes of Set-Cookie, and joins back (%j)',
    (overrides) => {
      const { chunker, options } = chunkerFor(overrides);
      for (const length of [
        10,
        3900,
        4000,
        4100,
        8000,
        8100,
        12_000,
        chunker.limit - 1,
        chunker.limit,
      ]) {
        const value = 'v'.repeat(length);
        const { layout, cookies } = chunker.split(value);
        expect(cookies).toHaveLength(layout.chunks);
        expect(layout.chunks).toBeLessThanOrEqual(options.cookie.maxChunks);
        for (const { name, value: piece } of cookies) {
          expect(Buffer.byteLength(worstSetCookie(overrides, name, piece))).toBeLessThanOrEqual(
            4096,
          );
        }
        const jar = Object.fromEntries(cookies.map(({ name, value: piece }) => [name, piece]));
        expect([...chunker.candidates(jar)]).toEqual([{ value, layout }]);
      }
    },
  );

  it('uses one cookie while it fits, then the fewest chunks, the first carrying the count', () => {
    const { chunker } = chunkerFor();
    expect(chunker.split('x'.repeat(3000)).cookies.map(({ name }) => name)).toEqual(['sid']);
    const two = chunker.split('x'.repeat(5000));
    expect(two.cookies.map(({ name }) => name)).toEqual(['sid.0', 'sid.1']);
    expect(two.cookies[0].value.startsWith('2~')).toBe(true);
    expect(chunker.split('x'.repeat(9000)).layout.chunks).toBe(3);
  });

  it('the limit is exact: one byte more throws an error naming the size and the limit', () => {
    const { chunker } = chunkerFor({ cookie: { maxChunks: 2 } });
    expect(chunker.split('x'.repeat(chunker.limit)).layout.chunks).toBe(2);
    const tooLarge = () => chunker.split('x'.repeat(chunker.limit + 1));
    expect(tooLarge).toThrow(SessionCookieTooLargeError);
    expect(tooLarge).toThrow(
      `the sealed session needs ${chunker.limit + 1} bytes, more than the ${chunker.limit} bytes that cookie.maxChunks = 2`,
    );
  });

  it('maxChunks 1 never chunks', () => {
    const { chunker } = chunkerFor({ cookie: { maxChunks: 1 } });
    expect(chunker.allNames()).toEqual(['sid']);
    expect(() => chunker.split('x'.repeat(chunker.limit + 1))).toThrow(SessionCookieTooLargeError);
  });

  it('reads the unchunked cookie first, then the chunks; ignores chunks beyond the count', () => {
    const { chunker } = chunkerFor();
    expect([
      ...chunker.candidates({ sid: 'single', 'sid.0': '2~ab', 'sid.1': 'cd', 'sid.2': 'stale' }),
    ]).toEqual([
      { value: 'single', layout: { chunks: 1 } },
      { value: 'abcd', layout: { chunks: 2 } },
    ]);
  });

  it.each([
    ['a missing chunk', { 'sid.0': '3~ab', 'sid.1': 'cd' }],
    ['no count', { 'sid.0': 'ab', 'sid.1': 'cd' }],
    ['a count of 1', { 'sid.0': '1~ab' }],
    [
      'a count above maxChunks',
      { 'sid.0': '5~ab', 'sid.1': 'c', 'sid.2': 'd', 'sid.3': 'e', 'sid.4': 'f' },
    ],
    ['a zero-padded count', { 'sid.0': '02~ab', 'sid.1': 'cd' }],
    ['an empty chunk', { 'sid.0': '2~ab', 'sid.1': '' }],
    ['only later chunks', { 'sid.1': 'cd', 'sid.2': 'ef' }],
  ])('%s yields nothing to unseal', (_label, cookies) => {
    const { chunker } = chunkerFor();
    expect([...chunker.candidates(cookies)]).toEqual([]);
  });
});
