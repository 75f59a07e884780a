export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');
/** Session keys of `PUT /api/data/:key` are stored one per key, so concurrent writes of different keys never collide. */
export const DATA_KEY_PREFIX = 'data:';
export const DATA_KEY_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
