import { HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { STORE_UNAVAILABLE_MESSAGE } from './session.constants.js';

/** Thrown at application start when an option is invalid; the message names the option. */
export class SessionOptionsError extends Error {
  override readonly name = 'SessionOptionsError';

  constructor(
    readonly option: string,
    reason: string,
  ) {
    super(`SessionModule: invalid option "${option}": ${reason}`);
  }
}

/** Thrown by `Session.set()` when a value cannot be stored as JSON. */
export class SessionValueError extends TypeError {
  override readonly name = 'SessionValueError';
}

/**
 * Thrown by a strategy when its backend cannot serve the request (store down, node not ready).
 * The core answers 503 instead of failing open or crashing.
 */
export class SessionStoreUnavailableError extends Error {
  override readonly name = 'SessionStoreUnavailableError';

  constructor(reason: string, options?: { cause?: unknown }) {
    super(reason, options);
  }
}

/** Thrown by `SessionService` methods that the active strategy cannot provide. */
export class SessionNotSupportedError extends Error {
  override readonly name = 'SessionNotSupportedError';
}

/** The HTTP answer to a dead store: `{ statusCode: 503, message: 'session store unavailable' }`. */
export class SessionStoreUnavailableException extends ServiceUnavailableException {
  constructor() {
    super({ statusCode: HttpStatus.SERVICE_UNAVAILABLE, message: STORE_UNAVAILABLE_MESSAGE });
  }
}
