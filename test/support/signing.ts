import { createHmac, hkdfSync } from 'node:crypto';

/** Signs a session id as the package does, with any secret: for forged, rotated and valid-but-unknown cookies. */
export function signSessionId(id: string, secret: string): string {
  const key = Buffer.from(
    hkdfSync('sha256', secret, '', 'nestjs-distributed-session/id-signature', 32),
  );
  return `${id}.${createHmac('sha256', key).update(id).digest('base64url')}`;
}
