import {
  createHmac,
  createSecretKey,
  hkdfSync,
  randomBytes,
  timingSafeEqual,
  type KeyObject,
} from 'node:crypto';
import { cookieScopeInfo, type CookieScope } from './cookie-scope.js';
import { RecentValuesCache } from './recent-values.cache.js';

const ID_BYTES = 24; // 192 bits, as express-session and @fastify/session use
const ID_PATTERN = /^[A-Za-z0-9_-]{32}$/;
const SIGNATURE_LENGTH = 43;
/** The verified-cookie cache's budget, in characters of cookie values (about 13,000 cookies). */
const VERIFIED_CACHE_CHARS = 1024 * 1024; // 32 bytes of HMAC-SHA256 in base64url

/** A new session id: 192 random bits from the operating system's CSPRNG, base64url. */
export function generateSessionId(): string {
  return randomBytes(ID_BYTES).toString('base64url');
}

/** Whether a string has the shape of an id this package issued (cheap filter before any lookup). */
export function isSessionIdShaped(value: string): boolean {
  return ID_PATTERN.test(value);
}

/**
 * Signs session ids for the cookie (`<id>.<HMAC-SHA256>`) with keys derived from the secrets by
 * HKDF, so the raw secrets are never used as keys and the same secret can serve other purposes
 * (sealing, replication) without key reuse. The keys are bound to the cookie's name, path and
 * domain, so an id signed for another cookie of an app sharing the secret is refused. Keys are
 * derived once, at start.
 */
export class SessionIdSigner {
  private readonly keys: readonly KeyObject[];
  /** Cookie values already verified: a client's cookie is checked by HMAC once, not on every request. */
  private readonly verified = new RecentValuesCache<{ id: string; keyIndex: number }>(
    VERIFIED_CACHE_CHARS,
  );

  constructor(secrets: readonly string[], cookie: CookieScope) {
    const info = `nestjs-distributed-session/id-signature:${cookieScopeInfo(cookie)}`;
    this.keys = secrets.map((secret) =>
      createSecretKey(Buffer.from(hkdfSync('sha256', secret, '', info, 32))),
    );
  }

  sign(id: string): string {
    return `${id}.${this.mac(0, id).toString('base64url')}`;
  }

  /**
   * The id a cookie value carries, or `undefined` if it is not one this app signed. `keyIndex` says
   * which secret matched: anything but 0 means the cookie should be re-signed with the current one.
   */
  verify(value: string): { id: string; keyIndex: number } | undefined {
    const cached = this.verified.get(value);
    if (cached) return cached;
    const dot = value.indexOf('.');
    if (dot !== 32) return undefined;
    const id = value.slice(0, dot);
    if (!isSessionIdShaped(id)) return undefined;
    // Compared as text, so only the one canonical encoding of a signature is accepted.
    const signature = Buffer.from(value.slice(dot + 1));
    if (signature.length !== SIGNATURE_LENGTH) return undefined;
    for (let keyIndex = 0; keyIndex < this.keys.length; keyIndex++) {
      const expected = Buffer.from(this.mac(keyIndex, id).toString('base64url'));
      if (timingSafeEqual(signature, expected)) {
        const result = { id, keyIndex };
        this.verified.set(value, result);
        return result;
      }
    }
    return undefined;
  }

  private mac(keyIndex: number, id: string): Buffer {
    return createHmac('sha256', this.keys[keyIndex]).update(id).digest();
  }
}
