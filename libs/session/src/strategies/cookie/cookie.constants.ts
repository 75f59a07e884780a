/** What browsers are required to keep of one cookie (RFC 6265 §6.1): name, value and attributes. */
export const MAX_SET_COOKIE_BYTES = 4096;

/** HKDF `info` of the sealing keys; the cookie name is appended, so a value is bound to its cookie. */
export const SEAL_KEY_INFO = 'nestjs-distributed-session/cookie-seal/v1';

/** The only JWE algorithms sealed and accepted: direct key, AES-256-GCM. */
export const SEAL_ALGORITHM = 'dir';
export const SEAL_ENCRYPTION = 'A256GCM';

/**
 * The largest session, as JSON, that is sealed or unsealed. Far above what fits in 20 cookies
 * uncompressed; it bounds how much a compressed payload may inflate to.
 */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Separates the chunk count from the first piece in `<name>.0` (`3~eyJ…`). */
export const CHUNK_COUNT_SEPARATOR = '~';
