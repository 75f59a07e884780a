import {
  DEFAULT_ABSOLUTE_TTL_SECONDS,
  DEFAULT_COOKIE_NAME,
  DEFAULT_TTL_SECONDS,
  MIN_SECRET_LENGTH,
  STRATEGY_NAMES,
} from './session.constants.js';
import { SessionOptionsError } from './session.errors.js';
import type {
  ResolvedSessionOptions,
  SessionModuleOptions,
} from './session-module-options.interface.js';

const SAME_SITE_VALUES = ['lax', 'strict', 'none'] as const;
const DEFAULT_MAX_CHUNKS = 4;

/** Validates the options once, at start, and applies the defaults. Throws `SessionOptionsError`. */
export function resolveSessionOptions(options: SessionModuleOptions): ResolvedSessionOptions {
  if (options === null || typeof options !== 'object') {
    throw new SessionOptionsError('options', 'SessionModule.forRoot() needs an options object');
  }
  const strategy = resolveStrategy(options);
  const secrets = resolveSecrets(options.secret);
  const ttlSeconds = positiveNumber('ttl', options.ttl, DEFAULT_TTL_SECONDS);
  const absoluteTtlSeconds = positiveNumber(
    'absoluteTtl',
    options.absoluteTtl,
    DEFAULT_ABSOLUTE_TTL_SECONDS,
  );
  if (options.rolling !== undefined && typeof options.rolling !== 'boolean') {
    throw new SessionOptionsError('rolling', 'must be a boolean');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') {
    throw new SessionOptionsError(
      'clock',
      'must be a function returning milliseconds since the epoch',
    );
  }
  return {
    strategy,
    secrets,
    cookie: resolveCookie(options),
    ttlMs: ttlSeconds * 1000,
    absoluteTtlMs: absoluteTtlSeconds * 1000,
    rolling: options.rolling ?? true,
    clock: options.clock ?? Date.now,
    raw: options,
  };
}

function resolveStrategy(options: SessionModuleOptions): ResolvedSessionOptions['strategy'] {
  if (options.store !== undefined) {
    const store = options.store as unknown as Record<string, unknown> | null;
    const missing = ['load', 'save', 'rename', 'destroy'].filter(
      (method) => typeof store?.[method] !== 'function',
    );
    if (missing.length) {
      throw new SessionOptionsError(
        'store',
        `must implement SessionStore (missing ${missing.join(', ')})`,
      );
    }
    if (options.strategy !== undefined) {
      throw new SessionOptionsError(
        'strategy',
        'give either a strategy or your own store, not both',
      );
    }
    return 'custom';
  }
  const { strategy } = options;
  if (!(STRATEGY_NAMES as readonly unknown[]).includes(strategy)) {
    const given = strategy === undefined ? 'is missing' : `${JSON.stringify(strategy)} is unknown`;
    throw new SessionOptionsError('strategy', `${given}; use one of ${STRATEGY_NAMES.join(', ')}`);
  }
  return strategy as ResolvedSessionOptions['strategy'];
}

function resolveSecrets(secret: unknown): string[] {
  const secrets = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) throw new SessionOptionsError('secret', 'is an empty list');
  secrets.forEach((value, index) => {
    const name = Array.isArray(secret) ? `secret[${index}]` : 'secret';
    if (typeof value !== 'string' || value.length === 0) {
      throw new SessionOptionsError(name, 'must be a non-empty string');
    }
    if (value.length < MIN_SECRET_LENGTH) {
      throw new SessionOptionsError(
        name,
        `is ${value.length} characters; it must have at least ${MIN_SECRET_LENGTH}`,
      );
    }
  });
  return secrets as string[];
}

function positiveNumber(option: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new SessionOptionsError(
      option,
      `must be a number of seconds greater than 0 (got ${String(value)})`,
    );
  }
  return value;
}

function resolveCookie(options: SessionModuleOptions): ResolvedSessionOptions['cookie'] {
  const cookie = options.cookie ?? {};
  const name = cookie.name ?? DEFAULT_COOKIE_NAME;
  // RFC 6265 token characters; the cookie strategy adds `.N` for chunks.
  if (typeof name !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(name)) {
    throw new SessionOptionsError(
      'cookie.name',
      `${JSON.stringify(name)} is not a valid cookie name`,
    );
  }
  const path = cookie.path ?? '/';
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new SessionOptionsError('cookie.path', 'must start with "/"');
  }
  const secure = cookie.secure ?? 'auto';
  if (secure !== 'auto' && typeof secure !== 'boolean') {
    throw new SessionOptionsError('cookie.secure', "must be true, false or 'auto'");
  }
  const sameSite = cookie.sameSite ?? 'lax';
  if (!(SAME_SITE_VALUES as readonly string[]).includes(sameSite)) {
    throw new SessionOptionsError(
      'cookie.sameSite',
      `must be one of ${SAME_SITE_VALUES.join(', ')}`,
    );
  }
  if (sameSite === 'none' && secure === false) {
    throw new SessionOptionsError(
      'cookie.sameSite',
      "'none' requires secure cookies; browsers drop it otherwise",
    );
  }
  if (
    name.startsWith('__Host-') &&
    (secure !== true || path !== '/' || cookie.domain !== undefined)
  ) {
    throw new SessionOptionsError(
      'cookie.name',
      'a __Host- cookie requires secure: true, path: "/" and no domain',
    );
  }
  if (name.startsWith('__Secure-') && secure !== true) {
    throw new SessionOptionsError('cookie.name', 'a __Secure- cookie requires secure: true');
  }
  const maxChunks = cookie.maxChunks ?? DEFAULT_MAX_CHUNKS;
  if (!Number.isInteger(maxChunks) || maxChunks < 1 || maxChunks > 20) {
    throw new SessionOptionsError('cookie.maxChunks', 'must be an integer from 1 to 20');
  }
  return {
    name,
    path,
    domain: cookie.domain,
    httpOnly: cookie.httpOnly ?? true,
    secure,
    sameSite,
    maxChunks,
    compress: cookie.compress ?? false,
  };
}
