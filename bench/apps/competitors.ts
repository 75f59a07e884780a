// The stacks users would pick instead, each set up as its documentation says, with the same routes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  Req,
  Res,
  type DynamicModule,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifySecureSession from '@fastify/secure-session';
import fastifySession from '@fastify/session';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { getIronSession, type SessionOptions as IronSessionOptions } from 'iron-session';
import { createClient } from 'redis';
import { BLOB_1KB, type BenchEnv, type Stack } from './scenarios.js';

interface CounterData {
  counter?: number;
  blob?: string;
}

/** express-session's `req.session`: the data as properties. */
interface PropertySessionRequest {
  session: CounterData;
}

/** @fastify/secure-session's and @fastify/session's `request.session`: get/set. */
interface AccessorSessionRequest {
  session: {
    get(key: string): unknown;
    set(key: string, value: unknown): void;
  };
}

const PING = { ok: true };

@Controller()
class NoSessionController {
  @Get('counter')
  read(): { counter: number } {
    return { counter: 0 };
  }

  @Post('counter')
  @HttpCode(200)
  increment(): { counter: number } {
    return { counter: 1 };
  }

  @Get('ping')
  ping(): { ok: boolean } {
    return PING;
  }
}

@Controller()
class ExpressSessionController {
  @Get('counter')
  read(@Req() request: PropertySessionRequest): { counter: number } {
    return { counter: request.session.counter ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  increment(@Req() request: PropertySessionRequest): { counter: number } {
    const counter = (request.session.counter ?? 0) + 1;
    request.session.counter = counter;
    return { counter };
  }

  @Get('ping')
  ping(): { ok: boolean } {
    return PING;
  }

  @Post('blob')
  @HttpCode(200)
  blob(@Req() request: PropertySessionRequest): { ok: boolean } {
    request.session.blob = BLOB_1KB;
    return PING;
  }
}

function ironOptions(): IronSessionOptions {
  return {
    password: process.env.BENCH_SECRET ?? 'bench-secret-bench-secret-bench-secret-0123',
    cookieName: 'iron',
  };
}

@Controller()
class IronSessionController {
  private readonly options = ironOptions();

  @Get('counter')
  async read(
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<{ counter: number }> {
    const data = await getIronSession<CounterData>(request, response, this.options);
    return { counter: data.counter ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  async increment(
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<{ counter: number }> {
    const data = await getIronSession<CounterData>(request, response, this.options);
    const counter = (data.counter ?? 0) + 1;
    data.counter = counter;
    await data.save();
    return { counter };
  }

  @Get('ping')
  ping(): { ok: boolean } {
    return PING;
  }

  @Post('blob')
  @HttpCode(200)
  async blob(
    @Req() request: IncomingMessage,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<{ ok: boolean }> {
    const data = await getIronSession<CounterData>(request, response, this.options);
    data.blob = BLOB_1KB;
    await data.save();
    return PING;
  }
}

@Controller()
class AccessorSessionController {
  @Get('counter')
  read(@Req() request: AccessorSessionRequest): { counter: number } {
    return { counter: (request.session.get('counter') as number | undefined) ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  increment(@Req() request: AccessorSessionRequest): { counter: number } {
    const counter = ((request.session.get('counter') as number | undefined) ?? 0) + 1;
    request.session.set('counter', counter);
    return { counter };
  }

  @Get('ping')
  ping(): { ok: boolean } {
    return PING;
  }

  @Post('blob')
  @HttpCode(200)
  blob(@Req() request: AccessorSessionRequest): { ok: boolean } {
    request.session.set('blob', BLOB_1KB);
    return PING;
  }
}

const CONTROLLERS = {
  none: NoSessionController,
  'express-session-redis': ExpressSessionController,
  'express-session-memory': ExpressSessionController,
  'iron-session': IronSessionController,
  'fastify-secure-session': AccessorSessionController,
  'fastify-session-redis': AccessorSessionController,
} as const;

@Module({})
class CompetitorAppModule {}

export function competitorModule(stack: Exclude<Stack, 'ours'>): DynamicModule {
  return { module: CompetitorAppModule, controllers: [CONTROLLERS[stack]] };
}

/** A node-redis client, the one connect-redis supports (it does not work with ioredis). */
async function redisClient(env: BenchEnv): Promise<ReturnType<typeof createClient>> {
  const client = createClient({ url: env.redisUrl });
  client.on('error', (error: Error) => console.error(`redis: ${error.message}`));
  await client.connect();
  return client;
}

/** express-session as its README recommends: no resave, no uninitialized sessions. */
export async function registerExpressSession(
  app: NestExpressApplication,
  stack: 'express-session-redis' | 'express-session-memory',
  env: BenchEnv,
): Promise<void> {
  const store =
    stack === 'express-session-redis'
      ? new RedisStore({ client: await redisClient(env), prefix: 'sess:' })
      : undefined;
  app.use(
    session({
      store,
      secret: env.secret,
      resave: false,
      saveUninitialized: false,
    }),
  );
}

/** @fastify/secure-session as Nest's documentation shows it: a secret and a salt. */
export async function registerFastifySecureSession(
  app: NestFastifyApplication,
  env: BenchEnv,
): Promise<void> {
  await app.register(fastifySecureSession, {
    secret: env.secret,
    salt: 'mq9hDxBVDbspDR6n',
    cookie: { path: '/', httpOnly: true },
  });
}

/** @fastify/session with connect-redis (a compatible store) over node-redis; plain-HTTP cookies. */
export async function registerFastifySession(
  app: NestFastifyApplication,
  env: BenchEnv,
): Promise<void> {
  const store = new RedisStore({ client: await redisClient(env), prefix: 'fsess:' });
  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret: env.secret,
    // connect-redis implements express-session's Store; @fastify/session calls the same methods.
    store: store as unknown as fastifySession.SessionStore,
    saveUninitialized: false,
    cookie: { secure: false },
  });
}
