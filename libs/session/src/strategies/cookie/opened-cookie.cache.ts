/**
 * Sealed values this process opened recently, keyed by the whole sealed value. A read of an
 * unchanged cookie (the common case: cookies are re-sealed only on change or renewal) then costs a
 * map lookup instead of an AES-GCM decryption. Only values that decrypted and authenticated are
 * cached, and a cookie that differs by one character is a different key, so the cache never
 * accepts what the sealer would refuse; expiry is still checked on every read by the caller.
 * Bounded by total size (least recently used out first), so it cannot grow with the traffic.
 */
export class OpenedCookieCache<T> {
  private readonly entries = new Map<string, T>();
  private size = 0;

  constructor(private readonly maxChars: number) {}

  get(value: string): T | undefined {
    const entry = this.entries.get(value);
    if (entry !== undefined) {
      this.entries.delete(value);
      this.entries.set(value, entry);
    }
    return entry;
  }

  set(value: string, entry: T): void {
    // A value larger than an eighth of the budget would evict too much to be worth keeping.
    if (value.length > this.maxChars / 8 || this.entries.has(value)) return;
    this.entries.set(value, entry);
    this.size += value.length;
    while (this.size > this.maxChars) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
      this.size -= oldest.length;
    }
  }
}
