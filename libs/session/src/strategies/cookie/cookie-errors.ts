/**
 * Thrown by the cookie strategy's commit when the sealed session does not fit in
 * `cookie.maxChunks` cookies. The core answers 500 and logs the route; the browser keeps the
 * cookie it had, so the session stays as it was before the request.
 */
export class SessionCookieTooLargeError extends Error {
  override readonly name = 'SessionCookieTooLargeError';

  constructor(
    /** Bytes of cookie value the sealed session needs (at least). */
    readonly size: number,
    /** Bytes of cookie value `cookie.maxChunks` cookies can carry. */
    readonly limit: number,
    readonly maxChunks: number,
  ) {
    super(
      `the sealed session needs ${size} bytes, more than the ${limit} bytes that cookie.maxChunks = ${maxChunks} ` +
        `cookie(s) of at most 4096 bytes each (name and attributes included) can carry; store less in the ` +
        `session, enable cookie.compress or raise cookie.maxChunks`,
    );
  }
}
