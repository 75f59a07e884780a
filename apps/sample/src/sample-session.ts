import type { Session } from 'nestjs-distributed-session';
import { DATA_KEY_PREFIX } from './sample.constants.js';

declare module 'nestjs-distributed-session' {
  interface SessionData {
    counter: number;
  }
}

/** The `data:*` keys of a session as one object. */
export function dataOf(session: Session): Record<string, unknown> {
  const data: Record<string, unknown> = {};
  for (const key of session.keys()) {
    if (key.startsWith(DATA_KEY_PREFIX)) data[key.slice(DATA_KEY_PREFIX.length)] = session.get(key);
  }
  return data;
}

/** What `GET /api/session` and the page show. */
export function sessionView(session: Session) {
  return {
    user: session.principal ?? null,
    counter: session.get('counter') ?? 0,
    data: dataOf(session),
  };
}
