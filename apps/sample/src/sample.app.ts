import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { SampleConfig } from './sample.config.js';
import { SampleModule } from './sample.module.js';

/**
 * Creates the sample app on the configured platform, with the `X-Node` header on every answer
 * (errors included), so a client behind a balancer sees which node served it.
 */
export async function createSampleApp(
  config: SampleConfig,
  logger: boolean | Logger = true,
): Promise<INestApplication> {
  const module = SampleModule.register(config);
  const options = {
    logger: logger === true ? undefined : logger === false ? (false as const) : logger,
  };
  if (config.adapter === 'fastify') {
    const app = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter({ trustProxy: config.trustProxy }),
      options,
    );
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (_request, reply, done) => {
        reply.header('X-Node', config.nodeName);
        done();
      });
    app.enableShutdownHooks();
    return app;
  }
  const app = await NestFactory.create<NestExpressApplication>(
    module,
    new ExpressAdapter(),
    options,
  );
  app.set('trust proxy', config.trustProxy);
  app.use(
    (
      _request: unknown,
      response: { setHeader(name: string, value: string): void },
      next: () => void,
    ) => {
      response.setHeader('X-Node', config.nodeName);
      next();
    },
  );
  app.enableShutdownHooks();
  return app;
}
