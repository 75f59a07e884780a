import { ConsoleLogger, type INestApplication, type Logger } from '@nestjs/common';
import type { CookieSessionStrategy, SessionModuleOptions } from 'nestjs-distributed-session';
import { createSampleApp } from '../../../apps/sample/src/sample.app.js';
import type { HttpAdapterName, SampleConfig } from '../../../apps/sample/src/sample.config.js';
import { SESSION_STRATEGY } from '../../../libs/session/src/session.tokens.js';
import { HttpClient, urlOf } from '../../support/http-client.js';
import { TEST_SECRET } from '../../support/sample-app.js';

/** A logger that keeps what the app logs, for assertions, and prints nothing. */
export class CapturingLogger extends ConsoleLogger {
  readonly errors: string[] = [];

  // The signature is Nest's LoggerService one.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override error(message: any): void {
    this.errors.push(String(message));
  }

  override warn(): void {}
  override log(): void {}
  override debug(): void {}
  override verbose(): void {}
}

/**
 * Nest routes every `new Logger(context)` to the logger of the application created last (a static
 * of the process), so all the apps of a test file share this one.
 */
export const appLogger = new CapturingLogger();

export interface CookieSample {
  readonly app: INestApplication;
  readonly url: string;
  /** The logger shared by every app of the test file (see `appLogger`). */
  readonly logger: CapturingLogger;
  /** The running strategy, for its seal/unseal counters. */
  readonly strategy: CookieSessionStrategy;
  client(): HttpClient;
  close(): Promise<void>;
}

/** The real sample app on the cookie strategy, on a free port, with its logs captured. */
export async function startCookieSample(
  adapter: HttpAdapterName,
  options: {
    secrets?: string[];
    ttl?: number;
    sessionOverrides?: Partial<SessionModuleOptions>;
    nodeName?: string;
  } = {},
): Promise<CookieSample> {
  const logger = appLogger;
  const config: SampleConfig = {
    strategy: 'cookie',
    adapter,
    port: 0,
    host: '127.0.0.1',
    nodeName: options.nodeName ?? `cookie-${adapter}`,
    secrets: options.secrets ?? [TEST_SECRET],
    ttl: options.ttl,
    replicationPeers: [],
    trustProxy: false,
    sessionOverrides: options.sessionOverrides,
  };
  // The sample takes any logger Nest accepts; its parameter is typed as the `Logger` facade.
  const app = await createSampleApp(config, logger as unknown as Logger);
  await app.listen(0, '127.0.0.1');
  const url = await urlOf(app);
  const strategy = app.get<CookieSessionStrategy>(SESSION_STRATEGY);
  return {
    app,
    url,
    logger,
    strategy,
    client: () => new HttpClient(url),
    close: () => app.close(),
  };
}

/** Seal and unseal counts since the last call, so a test asserts what one request cost. */
export function counting(
  strategy: CookieSessionStrategy,
): () => { seals: number; unseals: number } {
  let last = { ...strategy.counters };
  return () => {
    const now = { ...strategy.counters };
    const delta = { seals: now.seals - last.seals, unseals: now.unseals - last.unseals };
    last = now;
    return delta;
  };
}

/** The protected header of a compact JWE (readable by design: it names the algorithms and the key). */
export function jweHeader(value: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(value.split('.')[0], 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

/** The session cookies of a jar, by name (`sid`, `sid.0`, …). */
export function sessionCookies(client: HttpClient, name = 'sid'): Map<string, string> {
  return new Map(
    [...client.jar].filter(([cookie]) => cookie === name || cookie.startsWith(`${name}.`)),
  );
}

/** Random-looking text that deflate cannot shrink much (base64url of pseudo-random bytes), deterministic. */
export function incompressible(length: number, seed = 1): string {
  const bytes = Buffer.alloc(Math.ceil((length * 3) / 4));
  let state = seed;
  for (let index = 0; index < bytes.length; index++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    bytes[index] = state >>> 24;
  }
  return bytes.toString('base64url').slice(0, length);
}
