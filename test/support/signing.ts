import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Signs a session id as the package does, with any secret, for the default cookie (`sid`, path `/`,
 * no domain) unless told: for forged, rotated and valid-but-unknown cookies.
 */
export function signSessionId(
  id: string,
  secret: string,
  cookie: { name: string; path: string; domain?: string } = { name: 'sid', path: '/' },
): string {
  const scope = JSON.stringify([cookie.name, cookie.path, cookie.domain ?? '']);
  const key = Buffer.from(
    hkdfSync('sha256', secret, '', `nestjs-distributed-session/id-signature:${scope}`, 32),
  );
  return `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
}
