import { SessionStoreUnavailableError } from '../../session.errors.js';
import { toStoreError } from './redis-errors.js';

function replyError(message: string): Error {
  const error = new Error(message);
  error.name = 'ReplyError';
  return error;
}

describe('toStoreError', () => {
  it.each([
    'Connection is closed.',
    "Stream isn't writeable and enableOfflineQueue options is false",
    'Command timed out',
  ])('a client-side failure (%s) means the store is unavailable', (message) => {
    expect(toStoreError(new Error(message))).toBeInstanceOf(SessionStoreUnavailableError);
  });

  it.each([
    'LOADING Redis is loading',
    "READONLY You can't write against a read only replica.",
    'CLUSTERDOWN The cluster is down',
    'OOM command not allowed',
  ])('a transient reply (%s) means the store is unavailable', (message) => {
    expect(toStoreError(replyError(message))).toBeInstanceOf(SessionStoreUnavailableError);
  });

  it('any other reply is a bug, passed on as it is', () => {
    const error = replyError('ERR Error running script');
    expect(toStoreError(error)).toBe(error);
  });
});
