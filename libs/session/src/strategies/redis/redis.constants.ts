export const DEFAULT_REDIS_PREFIX = 'sess:';
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 1000;
/** How long a write waits for its replicas with `waitForReplicas`, unless told. */
export const DEFAULT_REDIS_WAIT_TIMEOUT_MS = 200;
/** How long start-up waits for a client the module created to be ready before going on without it. */
export const REDIS_STARTUP_WAIT_MS = 3000;
/** The stored format; a session written in another format loads as "no session". */
export const REDIS_FORMAT_VERSION = '1';
/** Prefix of the hash fields that hold data keys (the other fields are the session's metadata). */
export const DATA_FIELD_PREFIX = 'd:';
/** Beyond this many index entries, a login also prunes entries of sessions that are gone. */
export const INDEX_PRUNE_THRESHOLD = 32;
