import type { STRATEGY_NAMES } from './session.constants.js';
import type { SessionStore } from './session-store.interface.js';

export type SessionStrategyName = (typeof STRATEGY_NAMES)[number];

export interface SessionCookieOptions {
  /** Cookie name. Default `'sid'`. A `__Host-` name requires `secure: true`, `path: '/'` and no `domain`. */
  name?: string;
  /** Default `'/'`. */
  path?: string;
  domain?: string;
  /** Default `true`. */
  httpOnly?: boolean;
  /**
   * Default `'auto'`: Secure when the request came over HTTPS. Behind a proxy this follows the
   * platform's trust-proxy setting (Express `app.set('trust proxy', …)`, Fastify `trustProxy`),
   * so `X-Forwarded-Proto` counts only when the app trusts the proxy that sent it.
   */
  secure?: boolean | 'auto';
  /** Default `'lax'`. */
  sameSite?: 'lax' | 'strict' | 'none';
  /** Cookie strategy: the most cookies one session may be split into. Default 4. */
  maxChunks?: number;
  /** Cookie strategy: deflate the payload before sealing when that makes it smaller. Default false. */
  compress?: boolean;
}

/** Options of `SessionModule.forRoot()`. */
export interface SessionModuleOptions {
  /**
   * Where sessions live: `memory` (one instance, or a balancer with affinity), `redis` (a central
   * store), `cookie` (sealed in the browser) or `replicated` (copied between the app's instances).
   * May be omitted when `store` is given.
   */
  strategy?: SessionStrategyName;
  /**
   * At least 32 characters. A list rotates keys: the first signs or seals new values, every one is
   * accepted, so a new secret goes first and the old one stays until its cookies have expired.
   */
  secret: string | string[];
  cookie?: SessionCookieOptions;
  /** Idle timeout in seconds. Default 1800. */
  ttl?: number;
  /** Hard cap on a session's life since its creation, in seconds. Default 86400. */
  absoluteTtl?: number;
  /** Whether the idle timeout slides with activity. Default true. */
  rolling?: boolean;
  /** A server-side store of your own; `strategy` is then not needed. */
  store?: SessionStore;
  // Each strategy adds its own block (`memory`, `redis`, `replication`) to this interface by
  // declaration merging, from its own folder.
  /** The time source, in milliseconds since the epoch. Default `Date.now`; tests pass their own clock. */
  clock?: () => number;
}

/** Options after validation, with every default applied. Strategies receive these. */
export interface ResolvedSessionOptions {
  readonly strategy: SessionStrategyName | 'custom';
  readonly secrets: readonly string[];
  readonly cookie: Required<
    Pick<SessionCookieOptions, 'name' | 'path' | 'httpOnly' | 'secure' | 'sameSite'>
  > &
    Pick<SessionCookieOptions, 'domain'> & {
      readonly maxChunks: number;
      readonly compress: boolean;
    };
  readonly ttlMs: number;
  readonly absoluteTtlMs: number;
  readonly rolling: boolean;
  readonly clock: () => number;
  /** The options as the user gave them: each strategy reads its own block from here. */
  readonly raw: SessionModuleOptions;
}
