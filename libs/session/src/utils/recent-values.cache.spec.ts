import { RecentValuesCache } from './recent-values.cache.js';

describe('RecentValuesCache', () => {
  it('keeps values within its budget, least recently used out first', () => {
    const cache = new RecentValuesCache<number>(80);
    cache.set('a'.repeat(10), 1);
    cache.set('b'.repeat(10), 2);
    expect(cache.get('a'.repeat(10))).toBe(1);
    for (let i = 0; i < 7; i++) cache.set(`${i}`.repeat(10), i);
    // Nine values of 10 characters exceed 80: the least recently used one (b) went, a (read) stayed.
    expect(cache.get('b'.repeat(10))).toBeUndefined();
    expect(cache.get('a'.repeat(10))).toBe(1);
    cache.set('7'.repeat(10), 7);
    expect(cache.get('0'.repeat(10))).toBeUndefined();
    expect(cache.get('7'.repeat(10))).toBe(7);
  });

  it('does not keep a value larger than an eighth of its budget', () => {
    const cache = new RecentValuesCache<number>(80);
    cache.set('x'.repeat(11), 1);
    expect(cache.get('x'.repeat(11))).toBeUndefined();
  });
});
