// One benchmark scenario as a minimal Nest app in its own process:
//   node dist/bench/server.js <scenario> <port>
// Every scenario serves the same routes: GET /counter reads a number from the session, POST
// /counter increments it; GET /ping never touches the session (to count what an untouched route
// costs); POST /blob stores a 1 KB value (cookie sizes). Scenarios of this package also serve
// /bench/* helpers (memory, fill, replication probes). Prints `BENCH_READY {...}` once listening, or
// `BENCH_UNAVAILABLE <reason>` and exits with code 3 when the strategy is not in this version.
import 'reflect-metadata';
import { Logger, type INestApplication, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { benchEnv, nowUs, SCENARIOS, type ScenarioDefinition } from './scenarios.js';
import {
  competitorModule,
  registerExpressSession,
  registerFastifySecureSession,
  registerFastifySession,
} from './competitors.js';
import { oursModule, storeReady } from './ours.js';

const LOG_LEVELS: LogLevel[] = ['error', 'warn'];
const UNAVAILABLE = /not available in this version/i;

async function main(): Promise<void> {
  const [name, portText] = process.argv.slice(2);
  const scenario: ScenarioDefinition | undefined = SCENARIOS[name ?? ''];
  if (!scenario) throw new Error(`unknown scenario ${JSON.stringify(name)}`);
  const port = Number(portText);
  const env = benchEnv();
  const startedAt = nowUs();

  const module =
    scenario.stack === 'ours' ? oursModule(scenario, env) : competitorModule(scenario.stack);
  let app: INestApplication;
  if (scenario.platform === 'fastify') {
    const fastifyApp = await NestFactory.create<NestFastifyApplication>(
      module,
      new FastifyAdapter(),
      { logger: LOG_LEVELS },
    );
    if (scenario.stack === 'fastify-secure-session')
      await registerFastifySecureSession(fastifyApp, env);
    if (scenario.stack === 'fastify-session-redis') await registerFastifySession(fastifyApp, env);
    app = fastifyApp;
  } else {
    const expressApp = await NestFactory.create<NestExpressApplication>(
      module,
      new ExpressAdapter(),
      { logger: LOG_LEVELS },
    );
    if (scenario.stack === 'express-session-redis' || scenario.stack === 'express-session-memory') {
      await registerExpressSession(expressApp, scenario.stack, env);
    }
    app = expressApp;
  }
  if (process.env.BENCH_PROFILE === '1') {
    // Under --cpu-prof the profile is written on a normal exit, which a signal's default action skips.
    process.once('SIGTERM', () => process.exit(0));
  } else {
    app.enableShutdownHooks();
  }
  await app.listen(port, '127.0.0.1');
  const createdUs = nowUs() - startedAt;
  process.stdout.write(`BENCH_READY ${JSON.stringify({ port, createdMs: createdUs / 1000 })}\n`);
  if (scenario.stack === 'ours') storeReady(app, startedAt, scenario.strategy);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  if (UNAVAILABLE.test(message)) {
    process.stdout.write(`BENCH_UNAVAILABLE ${message}\n`);
    process.exit(3);
  }
  new Logger('bench').error(error instanceof Error ? (error.stack ?? message) : message);
  process.exit(1);
});
