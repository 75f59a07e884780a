import { isDeepStrictEqual } from 'node:util';
import { storeSetCookie } from '../../support/http-client.js';
import { seededRandom } from '../../support/seeded-random.js';

/** What a user expects its session to hold. */
export interface SessionModel {
  readonly user: string | null;
  readonly counter: number;
  readonly data: Readonly<Record<string, string>>;
}

export type OperationKind = 'read' | 'increment' | 'data' | 'login' | 'logout';

/** How one request ended, as the soak counts it. */
export type Outcome =
  | 'ok'
  | 'disagreement'
  | 'stale'
  | 'http-503-store-unavailable'
  | 'http-502'
  | 'http-504'
  | `http-${number}`
  | 'network-error'
  | 'timeout';

export interface RequestRecord {
  readonly user: number;
  readonly kind: OperationKind;
  readonly start: number;
  readonly end: number;
  readonly outcome: Outcome;
  readonly node: string;
  readonly detail?: string;
}

const EMPTY: SessionModel = { user: null, counter: 0, data: {} };
const DATA_KEYS = ['a', 'b', 'c', 'd'];
/** Candidate states kept after errors before a successful answer settles them (bounded). */
const MAX_CANDIDATES = 16;
const REQUEST_TIMEOUT_MS = 20_000;

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly node: string;
}

/**
 * One user of the site: its own cookie jar, requests one at a time, and a model of what its session
 * must hold. After an answer that did not arrive (an error), the write may or may not have been
 * applied, so the user keeps both states as candidates until the next successful answer says which.
 */
export class VirtualUser {
  private readonly jar = new Map<string, string>();
  private candidates: SessionModel[] = [EMPTY];
  private readonly random: () => number;
  private sequence = 0;
  /**
   * The durability witness, apart from the model (which follows the server after a documented stale
   * answer): per data key, the last value a write was acknowledged for, and the values written
   * since without an answer. A data write sets its key blindly, so after any fault the key must hold
   * the acknowledged value or one of those later ones; anything else is an acknowledged write lost.
   * Reset by login and logout, which move or end the session. Checked by every read answered
   * outside a window that allows stale answers (so a later write to the same key cannot hide a
   * loss), and by the final check.
   */
  private readonly acknowledged = new Map<string, string>();
  private readonly unanswered = new Map<string, Set<string>>();
  /** Acknowledged data writes found missing, as `key=value (found …)`. */
  readonly lostWrites: string[] = [];
  /** Whether a read outside stale windows has checked the witness since the last such window. */
  private witnessChecked = true;

  constructor(
    readonly index: number,
    private readonly baseUrl: string,
    /** Whether the strategy keeps sessions on the server (then `login()` must change the id cookie). */
    private readonly serverSide: boolean,
  ) {
    this.random = seededRandom(index + 1);
  }

  get model(): readonly SessionModel[] {
    return this.candidates;
  }

  get cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /**
   * The operation mix of the issue: read 70 %, increment 15 %, data writes 10 %, login/logout 5 %.
   * `inStaleWindow`: a fault whose documented answers include stale ones is on.
   */
  nextKind(inStaleWindow = false): OperationKind {
    const draw = this.random();
    // After a write that got no answer, the user reloads (reads) until an answer says whether the
    // write was applied: the model stays exact, with at most two candidate states.
    if (this.candidates.length > 1) return 'read';
    // While answers may be stale, and until a read after that shows whether the acknowledged writes
    // survived, the user neither logs in nor out: either would reset the durability witness and
    // hide a write lost in the fault.
    if (inStaleWindow) this.witnessChecked = false;
    else if (!this.witnessChecked) return 'read';
    if (draw < 0.7) return 'read';
    if (draw < 0.85) return 'increment';
    if (draw < 0.95) return 'data';
    if (inStaleWindow) return 'read';
    return this.candidates.every((model) => model.user === null) ? 'login' : 'logout';
  }

  /**
   * Runs one operation and checks its answer against the model. `staleAllowed`: the answer may be
   * an older state of the session (a node that was paused serves its copy until repaired); it is
   * then counted as `stale` and the model follows the server.
   */
  async step(kind: OperationKind, staleAllowed: () => boolean): Promise<RequestRecord> {
    const start = Date.now();
    const before = this.candidates;
    const key = DATA_KEYS[Math.floor(this.random() * DATA_KEYS.length)];
    const value = `v${this.index}-${++this.sequence}`;
    const username = `user-${this.index}`;
    const cookieBefore = this.cookieHeader;
    let answer: Answer;
    try {
      answer = await this.send(kind, key, value, username);
    } catch (error) {
      // Not `instanceof Error`: fetch's errors come from another realm than the test's.
      const timeout = (error as { name?: unknown } | null)?.name === 'TimeoutError';
      this.witness(kind, key, value, false);
      this.afterError(kind, key, value, username);
      return this.record(kind, start, timeout ? 'timeout' : 'network-error', '?');
    }
    const answered = answer.status < 400 && (kind !== 'logout' || answer.status === 204);
    this.witness(kind, key, value, answered);
    if (!answered) {
      this.afterError(kind, key, value, username);
      const message = (answer.body as { message?: unknown } | null)?.message;
      const outcome: Outcome =
        answer.status === 503 && message === 'session store unavailable'
          ? 'http-503-store-unavailable'
          : answer.status === 502
            ? 'http-502'
            : answer.status === 504
              ? 'http-504'
              : `http-${answer.status}`;
      return this.record(kind, start, outcome, answer.node, JSON.stringify(answer.body));
    }
    if (kind === 'read' && !staleAllowed()) {
      const lost = this.missingWrites(view(answer.body).data);
      this.witnessChecked = true;
      this.lostWrites.push(...lost);
      // Counted once: the witness goes on from what the server holds.
      if (lost.length > 0) this.acknowledged.clear();
    }
    const next = before
      .map((model) => this.expected(kind, model, key, value, username, answer.body))
      .filter((model): model is SessionModel => model !== undefined);
    if (next.length > 0) {
      this.candidates = dedupe(next);
      if (
        kind === 'login' &&
        this.serverSide &&
        cookieBefore !== '' &&
        this.cookieHeader === cookieBefore
      ) {
        return this.record(kind, start, 'disagreement', answer.node, 'login() kept the session id');
      }
      return this.record(kind, start, 'ok', answer.node);
    }
    const detail = `got ${JSON.stringify(answer.body)}, expected one of ${JSON.stringify(before)}`;
    if (staleAllowed()) {
      this.candidates = [this.follow(kind, before[0], username, answer.body)];
      return this.record(kind, start, 'stale', answer.node, detail);
    }
    // Not documented: count it, and follow the server so that one fault is counted once.
    this.candidates = [this.follow(kind, before[0], username, answer.body)];
    return this.record(kind, start, 'disagreement', answer.node, detail);
  }

  /**
   * A read of the session straight from one node (no balancer): the model must hold there too
   * (`problem`), and so must every acknowledged data write (`lostWrites`: keys whose acknowledged
   * value is gone).
   */
  async verifyOn(url: string): Promise<{ problem?: string; lostWrites: string[] }> {
    const response = await fetch(new URL('/api/session', url), {
      headers: this.jar.size > 0 ? { cookie: this.cookieHeader } : {},
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    // Parsed here, not by response.json(): objects of another realm are not deep-equal to ours.
    const body = JSON.parse(await response.text()) as unknown;
    if (response.status !== 200)
      return { problem: `status ${response.status}: ${JSON.stringify(body)}`, lostWrites: [] };
    const lostWrites = this.missingWrites(view(body).data);
    const seen = this.candidates.some((model) => isDeepStrictEqual(view(body), model));
    return {
      problem: seen
        ? undefined
        : `expected one of ${JSON.stringify(this.candidates)}, got ${JSON.stringify(body)}`,
      lostWrites,
    };
  }

  /** The acknowledged data writes `data` does not hold (nor a later unanswered write to their key). */
  private missingWrites(data: Readonly<Record<string, string>>): string[] {
    return [...this.acknowledged]
      .filter(([key, value]) => data[key] !== value && !this.unanswered.get(key)?.has(data[key]))
      .map(([key, value]) => `${key}=${value} (found ${data[key] ?? 'nothing'})`);
  }

  private witness(kind: OperationKind, key: string, value: string, answered: boolean): void {
    if (kind === 'login' || kind === 'logout') {
      this.acknowledged.clear();
      this.unanswered.clear();
    } else if (kind === 'data' && answered) {
      this.acknowledged.set(key, value);
      this.unanswered.delete(key);
    } else if (kind === 'data') {
      const values = this.unanswered.get(key) ?? new Set<string>();
      this.unanswered.set(key, values.add(value));
    }
  }

  /** The user's last requests, shown with a disagreement. */
  private readonly history: string[] = [];

  private record(
    kind: OperationKind,
    start: number,
    outcome: Outcome,
    node: string,
    detail?: string,
  ): RequestRecord {
    const record = { user: this.index, kind, start, end: Date.now(), outcome, node, detail };
    this.history.push(`${kind}@${start % 100_000}+${record.end - start}ms:${outcome}:${node}`);
    if (this.history.length > 12) this.history.shift();
    if (outcome === 'disagreement' || outcome === 'stale')
      return {
        ...record,
        detail: `${(detail ?? '').slice(0, 300)}; last requests: ${this.history.join(' ')}`,
      };
    return record;
  }

  /** The state after `kind` succeeded from `model`, if the answer agrees with it. */
  private expected(
    kind: OperationKind,
    model: SessionModel,
    key: string,
    value: string,
    username: string,
    body: unknown,
  ): SessionModel | undefined {
    switch (kind) {
      case 'read':
        return isDeepStrictEqual(view(body), model) ? model : undefined;
      case 'increment': {
        const counter = (body as { counter?: unknown }).counter;
        return counter === model.counter + 1 ? { ...model, counter: model.counter + 1 } : undefined;
      }
      case 'data': {
        const data = { ...model.data, [key]: value };
        return isDeepStrictEqual((body as { data?: unknown }).data, data)
          ? { ...model, data }
          : undefined;
      }
      case 'login':
        return (body as { user?: unknown }).user === username
          ? { ...model, user: username }
          : undefined;
      case 'logout':
        return EMPTY;
    }
  }

  /** The state the server says it has, when it is not one the model allowed. */
  private follow(
    kind: OperationKind,
    model: SessionModel,
    username: string,
    body: unknown,
  ): SessionModel {
    switch (kind) {
      case 'read':
        return view(body);
      case 'increment':
        return { ...model, counter: Number((body as { counter?: unknown }).counter) };
      case 'data':
        return { ...model, data: { ...((body as { data?: Record<string, string> }).data ?? {}) } };
      case 'login':
        return { ...model, user: username };
      case 'logout':
        return EMPTY;
    }
  }

  /** An answer that did not come: the write may have been applied or not. */
  private afterError(kind: OperationKind, key: string, value: string, username: string): void {
    if (kind === 'read') return;
    const applied = this.candidates.map((model): SessionModel => {
      switch (kind) {
        case 'increment':
          return { ...model, counter: model.counter + 1 };
        case 'data':
          return { ...model, data: { ...model.data, [key]: value } };
        case 'login':
          return { ...model, user: username };
        case 'logout':
          return EMPTY;
      }
    });
    // A login whose answer was lost may have been applied: the session then moved to a new id the
    // client never received, and the pre-login cookie it still holds names no session (anonymous).
    const lostLogin = kind === 'login' && this.serverSide ? [EMPTY] : [];
    this.candidates = dedupe([...this.candidates, ...applied, ...lostLogin]).slice(-MAX_CANDIDATES);
  }

  private async send(
    kind: OperationKind,
    key: string,
    value: string,
    username: string,
  ): Promise<Answer> {
    const request = {
      read: { method: 'GET', path: '/api/session', body: undefined },
      increment: { method: 'POST', path: '/api/counter', body: undefined },
      data: { method: 'PUT', path: `/api/data/${key}`, body: { value } },
      login: { method: 'POST', path: '/api/login', body: { username } },
      logout: { method: 'POST', path: '/api/logout', body: undefined },
    }[kind];
    const cookie = this.cookieHeader;
    const response = await fetch(new URL(request.path, this.baseUrl), {
      method: request.method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(request.body ? { 'content-type': 'application/json' } : {}),
      },
      body: request.body ? JSON.stringify(request.body) : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    for (const header of response.headers.getSetCookie()) this.store(header);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    let body: unknown = text;
    if (type.includes('application/json') && text) body = JSON.parse(text) as unknown;
    return { status: response.status, body, node: response.headers.get('x-node') ?? 'nginx' };
  }

  private store(header: string): void {
    storeSetCookie(this.jar, header);
  }
}

function view(body: unknown): SessionModel {
  const { user, counter, data } = (body ?? {}) as Partial<SessionModel>;
  return { user: user ?? null, counter: counter ?? 0, data: data ?? {} };
}

function dedupe(models: SessionModel[]): SessionModel[] {
  const seen = new Map<string, SessionModel>();
  for (const model of models) seen.set(JSON.stringify(model), model);
  return [...seen.values()];
}
