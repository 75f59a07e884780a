import type { SessionChange } from '../../session-store.interface.js';
import { decodeSession, encodeChange, UnreadableSessionError } from './redis-record.codec.js';

const META = ['v', '1', 'c', '1000', 'e', '2000', 'a', '3000', 'l', '1500'];

describe('decodeSession', () => {
  it('reads metadata, principal and data fields', () => {
    expect(decodeSession([...META, 'p', 'alice', 'd:cart', '["a"]', 'd:d:nested', '1'])).toEqual({
      data: { cart: '["a"]', 'd:nested': '1' },
      principal: 'alice',
      createdAt: 1000,
      expiresAt: 2000,
      absoluteExpiresAt: 3000,
      lastAccessedAt: 1500,
    });
  });

  it('reads an empty hash as no session', () => {
    expect(decodeSession([])).toBeUndefined();
  });

  it.each([
    ['another format version', ['v', '2', 'c', '1', 'e', '2', 'a', '3']],
    ['no version', ['c', '1', 'e', '2', 'a', '3']],
    ['a timestamp that is not a number', ['v', '1', 'c', 'soon', 'e', '2', 'a', '3']],
    ['a missing timestamp', ['v', '1', 'c', '1', 'e', '2']],
    ['a data value that is not JSON', [...META, 'd:x', '{oops']],
    ['another Redis type', ['!', 'wrongtype']],
  ])('refuses %s', (_, flat) => {
    expect(() => decodeSession(flat)).toThrow(UnreadableSessionError);
  });
});

describe('encodeChange', () => {
  const base: SessionChange = {
    mode: 'update',
    set: {},
    deleted: [],
    createdAt: 1,
    expiresAt: 2,
    absoluteExpiresAt: 3,
  };

  it('sends only what changed: fields set, then fields deleted', () => {
    expect(encodeChange({ ...base, set: { a: '1', b: '"x"' }, deleted: ['c'] }, 10)).toEqual([
      '1',
      'update',
      '10',
      '1',
      '2',
      '3',
      '',
      '2',
      'd:a',
      '1',
      'd:b',
      '"x"',
      'd:c',
    ]);
  });

  it('encodes the principal: unchanged, removed, set', () => {
    expect(encodeChange(base, 0)[6]).toBe('');
    expect(encodeChange({ ...base, principal: null }, 0)[6]).toBe('-');
    expect(encodeChange({ ...base, principal: '-' }, 0)[6]).toBe('=-');
  });
});
