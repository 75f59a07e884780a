/** Metadata key set by `@AllowAnonymous()`. */
export const ALLOW_ANONYMOUS_METADATA = 'SESSION:ALLOW_ANONYMOUS';
/** Metadata key set on a handler whose parameters ask for the session, so it is loaded before the handler runs. */
export const SESSION_PARAMETER_METADATA = 'SESSION:PARAMETER';

export const DEFAULT_COOKIE_NAME = 'sid';
export const DEFAULT_TTL_SECONDS = 1800;
export const DEFAULT_ABSOLUTE_TTL_SECONDS = 86_400;
export const MIN_SECRET_LENGTH = 32;
export const DEFAULT_MEMORY_MAX_SESSIONS = 100_000;
export const DEFAULT_MEMORY_SWEEP_INTERVAL_MS = 60_000;

/** The message of the 503 answer when the session store cannot be reached. */
export const STORE_UNAVAILABLE_MESSAGE = 'session store unavailable';

export const STRATEGY_NAMES = ['memory', 'redis', 'cookie', 'replicated'] as const;
