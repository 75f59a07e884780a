/** What a browser keeps a cookie apart by: its name, path and domain. */
export interface CookieScope {
  readonly name: string;
  readonly path: string;
  readonly domain?: string;
}

/**
 * The part of a key derivation's info that binds the key to one cookie. Two apps that share a secret
 * (and, for server-side strategies, a store) but not a cookie name, path or domain then refuse each
 * other's cookies: a value swapped in from another cookie is "no session", never someone's session.
 * The domain is compared as the browser does (case-insensitive, a leading dot ignored).
 */
export function cookieScopeInfo(scope: CookieScope): string {
  const domain = (scope.domain ?? '').toLowerCase().replace(/^\./, '');
  // JSON, so that no name, path or domain can be made to read as another combination.
  return JSON.stringify([scope.name, scope.path, domain]);
}
