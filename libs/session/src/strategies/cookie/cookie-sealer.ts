import { createHash, hkdfSync, webcrypto } from 'node:crypto';
import { CompactEncrypt, compactDecrypt, type CryptoKey as JoseCryptoKey } from 'jose';
import { cookieScopeInfo, type CookieScope } from '../../utils/cookie-scope.js';
import { SEAL_ALGORITHM, SEAL_ENCRYPTION, SEAL_KEY_INFO } from './cookie.constants.js';

/** One sealing key: derived from one secret, named by a `kid` that reveals nothing of it. */
interface SealingKey {
  readonly kid: string;
  readonly key: JoseCryptoKey;
  /** Position of its secret in the list: 0 seals, the others only unseal. */
  readonly index: number;
}

/** What an accepted cookie value held. */
export interface Unsealed {
  readonly plaintext: Uint8Array;
  /** Which secret opened it: anything but 0 means it should be sealed again with the current one. */
  readonly keyIndex: number;
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;
const KID_LENGTH = 8;

/**
 * Seals and unseals cookie values as compact JWE (`dir` + `A256GCM`) with jose. Keys are derived
 * once, at start, from each secret by HKDF with an info string naming the purpose and the cookie,
 * so the raw secret is never a key, the id signature and the sealing never share a key, and a value
 * sealed for one cookie (name, path, domain) does not open under another. Each key is imported once
 * as a non-extractable `CryptoKey`, which jose uses as is (no import per request).
 */
export class CookieSealer {
  private readonly byKid: ReadonlyMap<string, SealingKey>;

  private constructor(private readonly keys: readonly SealingKey[]) {
    const byKid = new Map<string, SealingKey>();
    // A secret listed twice yields the same kid: the first position wins.
    for (const key of keys) if (!byKid.has(key.kid)) byKid.set(key.kid, key);
    this.byKid = byKid;
  }

  static async create(secrets: readonly string[], cookie: CookieScope): Promise<CookieSealer> {
    const info = `${SEAL_KEY_INFO}:${cookieScopeInfo(cookie)}`;
    const keys = await Promise.all(
      secrets.map(async (secret, index): Promise<SealingKey> => {
        const raw = Buffer.from(hkdfSync('sha256', secret, '', info, 32));
        const kid = createHash('sha256').update(raw).digest('base64url').slice(0, KID_LENGTH);
        const key = await webcrypto.subtle.importKey('raw', raw, { name: 'AES-GCM' }, false, [
          'encrypt',
          'decrypt',
        ]);
        raw.fill(0);
        return { kid, key: key as JoseCryptoKey, index };
      }),
    );
    return new CookieSealer(keys);
  }

  /** The kid of the key that seals (the first secret's). */
  get currentKid(): string {
    return this.keys[0].kid;
  }

  async seal(plaintext: Uint8Array): Promise<string> {
    const { kid, key } = this.keys[0];
    return new CompactEncrypt(plaintext)
      .setProtectedHeader({ alg: SEAL_ALGORITHM, enc: SEAL_ENCRYPTION, kid })
      .encrypt(key);
  }

  /** The plaintext of a value this app sealed, or `undefined` for anything else. Never throws. */
  async unseal(value: string): Promise<Unsealed | undefined> {
    if (!isCanonicalCompactJwe(value)) return undefined;
    let used: SealingKey | undefined;
    try {
      const { plaintext } = await compactDecrypt(
        value,
        (header) => {
          used = typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
          if (!used) throw new Error('unknown kid');
          return used.key;
        },
        {
          keyManagementAlgorithms: [SEAL_ALGORITHM],
          contentEncryptionAlgorithms: [SEAL_ENCRYPTION],
          // Compression, when enabled, happens inside the sealed payload; a `zip` header is refused.
          maxDecompressedLength: 0,
        },
      );
      return { plaintext, keyIndex: used!.index };
    } catch {
      return undefined;
    }
  }
}

/**
 * Five base64url parts, the second (the encrypted key of `dir`) empty, each in its one canonical
 * encoding: base64url decoders ignore a last character's spare bits, and a value that differs from
 * the sealed one must never be accepted, even when it decodes to the same bytes.
 */
function isCanonicalCompactJwe(value: string): boolean {
  const parts = value.split('.');
  if (parts.length !== 5 || parts[1] !== '') return false;
  return parts.every(
    (part) => BASE64URL.test(part) && Buffer.from(part, 'base64url').toString('base64url') === part,
  );
}
