import { createHmac, hkdfSync } from 'node:crypto';

/** A cookie as the package binds its keys to it. */
export interface TestCookieScope {
  readonly name: string;
  readonly path: string;
  readonly domain?: string;
}

const DEFAULT_COOKIE: TestCookieScope = { name: 'sid', path: '/' };

/**
 * A key derived from a secret as the package derives it, written out independently of the package's
 * code so that a change to the derivation fails the tests that forge cookies: HKDF-SHA-256 with the
 * purpose and the cookie's name, path and domain in the info.
 */
export function derivedKey(
  secret: string,
  purpose: 'id-signature' | 'cookie-seal/v1',
  cookie: TestCookieScope = DEFAULT_COOKIE,
): Buffer {
  const scope = JSON.stringify([cookie.name, cookie.path, cookie.domain ?? '']);
  return Buffer.from(
    hkdfSync('sha256', secret, '', `nestjs-distributed-session/${purpose}:${scope}`, 32),
  );
}

/**
 * Signs a session id as the package does, with any secret, for the default cookie (`sid`, path `/`,
 * no domain) unless told: for forged, rotated and valid-but-unknown cookies.
 */
export function signSessionId(
  id: string,
  secret: string,
  cookie: TestCookieScope = DEFAULT_COOKIE,
): string {
  const key = derivedKey(secret, 'id-signature', cookie);
  return `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
}
