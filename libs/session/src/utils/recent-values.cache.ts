/**
 * Results computed from request values (a verified id cookie, an opened sealed cookie), keyed by
 * the whole value: a client sends the same cookie on every request until it changes, so the work is
 * done once per value instead of once per request. Callers cache only successes, and a value that
 * differs by one character is a different key, so the cache never accepts what the full check would
 * refuse. Bounded by the total length of the keys (least recently used out first), so it cannot grow
 * with the traffic.
 */
export class RecentValuesCache<T> {
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
