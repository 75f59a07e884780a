import { SessionStoreUnavailableError } from '../../session.errors.js';

/** Redis error replies that mean "cannot serve now" rather than a bug: retry later, answer 503 meanwhile. */
const TRANSIENT_REPLIES = [
  'LOADING',
  'BUSY',
  'CLUSTERDOWN',
  'TRYAGAIN',
  'READONLY',
  'MASTERDOWN',
  'OOM',
  'NOREPLICAS',
  'MISCONF',
  'MOVED',
  'ASK',
];

/**
 * Turns what a Redis call threw into what the core expects: `SessionStoreUnavailableError` for a
 * connection that is down, slow or failing over (the core answers 503), the error itself otherwise.
 */
export function toStoreError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  if (error instanceof SessionStoreUnavailableError) return error;
  if (
    error.name === 'ReplyError' &&
    !TRANSIENT_REPLIES.some((prefix) => error.message.startsWith(prefix))
  ) {
    return error;
  }
  return new SessionStoreUnavailableError(`redis: ${error.message}`, { cause: error });
}
