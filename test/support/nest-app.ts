import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { HttpClient, urlOf } from './http-client.js';

export interface RunningApp {
  readonly app: INestApplication;
  readonly url: string;
  client(): HttpClient;
  close(): Promise<void>;
}

/** Compiles a scenario module, listens on a free port with the given adapter, and returns a client factory. */
export async function startApp(
  module: unknown,
  adapter: AbstractHttpAdapter,
  configure: (app: INestApplication) => void = () => undefined,
): Promise<RunningApp> {
  const moduleRef = await Test.createTestingModule({ imports: [module as never] }).compile();
  const app = moduleRef.createNestApplication(adapter, { logger: false });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const url = await urlOf(app);
  return { app, url, client: () => new HttpClient(url), close: () => app.close() };
}
