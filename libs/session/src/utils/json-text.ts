import { SessionValueError } from '../session.errors.js';

/**
 * Serialises a session value, refusing at the call what JSON would silently drop or mangle:
 * functions, symbols, BigInt, `undefined`, non-finite numbers, circular references and objects
 * that are not plain (Date, Map, class instances) because they would not come back as they went in.
 */
export function toJsonText(key: string, value: unknown): string {
  assertJsonValue(value, key, new Set());
  return JSON.stringify(value);
}

function assertJsonValue(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) fail(path, `is ${value}, which JSON cannot represent`);
      return;
    case 'undefined':
      fail(path, 'is undefined; use session.delete() to remove a key');
      return;
    case 'function':
    case 'symbol':
    case 'bigint':
      fail(path, `is a ${typeof value}, which is not JSON-serialisable`);
      return;
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.has(object)) fail(path, 'is a circular reference');
  ancestors.add(object);
  if (Array.isArray(object)) {
    object.forEach((item, index) => assertJsonValue(item, `${path}[${index}]`, ancestors));
  } else {
    const prototype = Object.getPrototypeOf(object) as object | null;
    if (prototype !== Object.prototype && prototype !== null) {
      fail(
        path,
        `is a ${object.constructor?.name ?? 'non-plain object'}; store plain objects, arrays and primitives`,
      );
    }
    for (const [name, item] of Object.entries(object))
      assertJsonValue(item, `${path}.${name}`, ancestors);
  }
  ancestors.delete(object);
}

function fail(path: string, reason: string): never {
  throw new SessionValueError(`session.set(): the value at "${path}" ${reason}`);
}
