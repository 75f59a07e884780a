import { ConsoleLogger, type Logger } from '@nestjs/common';
import type { SessionModuleOptions } from 'nestjs-distributed-session';
import { createSampleApp } from '../../apps/sample/src/sample.app.js';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { HttpClient, urlOf } from '../support/http-client.js';
import { TEST_SECRET, type RunningSample } from '../support/sample-app.js';

/** A logger that keeps what it is told, to assert on warnings; prints nothing. */
export class RecordingLogger extends ConsoleLogger {
  readonly lines: { level: string; message: string }[] = [];

  override log(message: unknown): void {
    this.lines.push({ level: 'log', message: String(message) });
  }

  override warn(message: unknown): void {
    this.lines.push({ level: 'warn', message: String(message) });
  }

  override error(message: unknown): void {
    this.lines.push({ level: 'error', message: String(message) });
  }

  override debug(): void {}
  override verbose(): void {}

  matching(pattern: RegExp): string[] {
    return this.lines.filter((line) => pattern.test(line.message)).map((line) => line.message);
  }
}

export interface RedisSampleOptions {
  readonly redisUrl?: string;
  readonly nodeName?: string;
  readonly ttl?: number;
  readonly sessionOverrides?: Partial<SessionModuleOptions>;
  readonly logger?: RecordingLogger;
}

/** Starts the real sample app with `SESSION_STRATEGY=redis` on a free port. */
export async function startRedisSample(
  adapter: HttpAdapterName,
  options: RedisSampleOptions,
): Promise<RunningSample> {
  const app = await createSampleApp(
    {
      strategy: 'redis',
      adapter,
      port: 0,
      host: '127.0.0.1',
      nodeName: options.nodeName ?? `test-${adapter}`,
      secrets: [TEST_SECRET],
      ttl: options.ttl,
      redisUrl: options.redisUrl,
      replicationPeers: [],
      trustProxy: false,
      sessionOverrides: options.sessionOverrides,
    },
    // The sample types its logger as `Logger`; Nest wants a ConsoleLogger subclass for a custom one.
    (options.logger as unknown as Logger | undefined) ?? false,
  );
  await app.listen(0, '127.0.0.1');
  const url = await urlOf(app);
  return { app, url, client: () => new HttpClient(url), close: () => app.close() };
}

/** The session id a client's cookie carries (the part before the signature). */
export function sessionIdOf(client: HttpClient): string {
  const cookie = client.jar.get('sid');
  if (!cookie) throw new Error('the client has no session cookie');
  return cookie.slice(0, cookie.indexOf('.'));
}
