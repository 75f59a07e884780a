import { serialize } from 'cookie';
import type { ResolvedSessionOptions } from '../../session-module-options.interface.js';
import type { RequestCookies } from '../../session-strategy.interface.js';
import { CHUNK_COUNT_SEPARATOR, MAX_SET_COOKIE_BYTES } from './cookie.constants.js';
import { SessionCookieTooLargeError } from './cookie-errors.js';

/**
 * How a sealed value is laid out in the browser: one cookie (`chunks === 1`, named `<name>`) or
 * `chunks` cookies `<name>.0` … `<name>.<chunks - 1>`, the first starting with the count
 * (`3~eyJ…`), so leftovers of a larger layout are never read as part of the value.
 */
export interface CookieLayout {
  readonly chunks: number;
}

/** A sealed value as the cookies to set. */
export interface ChunkedValue {
  readonly layout: CookieLayout;
  readonly cookies: readonly { readonly name: string; readonly value: string }[];
}

/**
 * Splits sealed values into cookies that each fit in 4096 bytes of `Set-Cookie` (name, value and
 * the attributes the core adds, measured for the worst case: Secure on, the longest Max-Age), and
 * joins them back. The budget is computed once, at start, from the options.
 */
export class CookieChunker {
  private readonly attributeBytes: number;

  constructor(
    private readonly name: string,
    private readonly maxChunks: number,
    options: ResolvedSessionOptions,
  ) {
    const { path, domain, httpOnly, sameSite } = options.cookie;
    const longestMaxAge = Math.ceil(Math.max(options.ttlMs, options.absoluteTtlMs) / 1000);
    const sample = serialize('n', 'v', {
      path,
      domain,
      httpOnly,
      sameSite,
      secure: true,
      maxAge: longestMaxAge,
    });
    this.attributeBytes = Buffer.byteLength(sample) - 'n=v'.length;
  }

  /** The longest sealed value `maxChunks` cookies can carry. */
  get limit(): number {
    if (this.maxChunks === 1) return this.valueBudget(this.name);
    return this.capacity(this.maxChunks) - `${this.maxChunks}${CHUNK_COUNT_SEPARATOR}`.length;
  }

  /** The name of every cookie this session may use, the unchunked one first. */
  allNames(): string[] {
    if (this.maxChunks === 1) return [this.name];
    return [
      this.name,
      ...Array.from({ length: this.maxChunks }, (_, index) => this.chunkName(index)),
    ];
  }

  namesOf(layout: CookieLayout): string[] {
    if (layout.chunks === 1) return [this.name];
    return Array.from({ length: layout.chunks }, (_, index) => this.chunkName(index));
  }

  /** Throws `SessionCookieTooLargeError` when even `maxChunks` cookies cannot carry the value. */
  split(value: string): ChunkedValue {
    if (value.length <= this.valueBudget(this.name)) {
      return { layout: { chunks: 1 }, cookies: [{ name: this.name, value }] };
    }
    for (let chunks = 2; chunks <= this.maxChunks; chunks++) {
      const prefixed = `${chunks}${CHUNK_COUNT_SEPARATOR}${value}`;
      if (prefixed.length > this.capacity(chunks)) continue;
      const cookies: { name: string; value: string }[] = [];
      let offset = 0;
      for (let index = 0; index < chunks; index++) {
        const name = this.chunkName(index);
        const size = this.valueBudget(name);
        cookies.push({ name, value: prefixed.slice(offset, offset + size) });
        offset += size;
      }
      return { layout: { chunks }, cookies };
    }
    throw new SessionCookieTooLargeError(value.length, this.limit, this.maxChunks);
  }

  /**
   * The sealed values the request's cookies may carry, with their layout: the unchunked cookie
   * first, then the chunks joined, so a stray cookie of one layout does not hide a valid one of the
   * other.
   */
  *candidates(cookies: RequestCookies): Generator<{ value: string; layout: CookieLayout }> {
    const single = cookies[this.name];
    if (single) yield { value: single, layout: { chunks: 1 } };
    const joined = this.join(cookies);
    if (joined) yield joined;
  }

  private join(cookies: RequestCookies): { value: string; layout: CookieLayout } | undefined {
    const first = cookies[this.chunkName(0)];
    if (!first) return undefined;
    const separator = first.indexOf(CHUNK_COUNT_SEPARATOR);
    if (separator < 1 || separator > 2) return undefined;
    const countText = first.slice(0, separator);
    const chunks = Number(countText);
    // Only the one spelling the strategy writes ('02', '+2' and '2.0' are refused).
    if (
      !Number.isInteger(chunks) ||
      String(chunks) !== countText ||
      chunks < 2 ||
      chunks > this.maxChunks
    ) {
      return undefined;
    }
    const pieces = [first.slice(separator + 1)];
    for (let index = 1; index < chunks; index++) {
      const piece = cookies[this.chunkName(index)];
      if (!piece) return undefined;
      pieces.push(piece);
    }
    return { value: pieces.join(''), layout: { chunks } };
  }

  private chunkName(index: number): string {
    return `${this.name}.${index}`;
  }

  /** Value bytes one cookie of this name may hold. */
  private valueBudget(name: string): number {
    return MAX_SET_COOKIE_BYTES - Buffer.byteLength(name) - 1 - this.attributeBytes;
  }

  /** Value bytes `chunks` cookies may hold together. */
  private capacity(chunks: number): number {
    let total = 0;
    for (let index = 0; index < chunks; index++) total += this.valueBudget(this.chunkName(index));
    return total;
  }
}
