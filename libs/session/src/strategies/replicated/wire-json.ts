/** Object keys that could reach a prototype if a decoded message were ever merged into an object. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export class WireJsonError extends Error {
  override readonly name = 'WireJsonError';
}

/**
 * Parses a frame's JSON. Only data comes out (no classes, no functions): `JSON.parse` builds plain
 * objects, and any `__proto__`, `constructor` or `prototype` key rejects the whole frame.
 */
export function parseWireJson(bytes: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'), (key: string, item: unknown) => {
      if (FORBIDDEN_KEYS.has(key)) throw new WireJsonError(`forbidden key "${key}"`);
      return item;
    });
  } catch (error) {
    if (error instanceof WireJsonError) throw error;
    throw new WireJsonError('frame is not JSON', { cause: error });
  }
  if (
    typeof value !== 'object' ||
    value === null ||
    Array.isArray(value) ||
    typeof (value as { t?: unknown }).t !== 'string'
  ) {
    throw new WireJsonError('frame is not a message');
  }
  return value as Record<string, unknown>;
}

export function toWireJson(message: object): Buffer {
  return Buffer.from(JSON.stringify(message), 'utf8');
}
