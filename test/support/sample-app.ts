import type { INestApplication } from '@nestjs/common';
import type { SessionModuleOptions } from 'nestjs-distributed-session';
import type { HttpAdapterName, SampleConfig } from '../../apps/sample/src/sample.config.js';
import { createSampleApp } from '../../apps/sample/src/sample.app.js';
import { HttpClient, urlOf } from './http-client.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

export interface RunningSample {
  readonly app: INestApplication;
  readonly url: string;
  client(): HttpClient;
  close(): Promise<void>;
}

/** Starts the real sample app on a free port. */
export async function startSample(
  adapter: HttpAdapterName,
  config: Partial<SampleConfig> & { sessionOverrides?: Partial<SessionModuleOptions> } = {},
): Promise<RunningSample> {
  const app = await createSampleApp(
    {
      strategy: 'memory',
      adapter,
      port: 0,
      host: '127.0.0.1',
      nodeName: `test-${adapter}`,
      secrets: [TEST_SECRET],
      replicationPeers: [],
      trustProxy: false,
      ...config,
    },
    false,
  );
  await app.listen(0, '127.0.0.1');
  const url = await urlOf(app);
  return { app, url, client: () => new HttpClient(url), close: () => app.close() };
}
