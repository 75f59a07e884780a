import {
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  Param,
  Post,
  Put,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Session, SessionModule } from 'nestjs-distributed-session';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';
import { ADAPTERS } from '../support/adapters.js';
import { TEST_SECRET } from '../support/sample-app.js';

/** Holds a request inside its handler until the test lets it go. */
export class Gate {
  private enteredResolve!: () => void;
  private releaseResolve!: () => void;
  /** Settles when a request has loaded its session and is waiting at the gate. */
  readonly entered = new Promise<void>((resolve) => (this.enteredResolve = resolve));
  private readonly released = new Promise<void>((resolve) => (this.releaseResolve = resolve));

  async pass(): Promise<void> {
    this.enteredResolve();
    await this.released;
  }

  release(): void {
    this.releaseResolve();
  }
}

/** Gives each request a new gate to wait at; the test takes them in order. */
export class Gates {
  readonly opened: Gate[] = [];
  private waiting: ((gate: Gate) => void)[] = [];

  open(): Gate {
    const gate = new Gate();
    this.opened.push(gate);
    this.waiting.shift()?.(gate);
    return gate;
  }

  /** The next gate a request opens (or the one it already opened). */
  next(index: number): Promise<Gate> {
    if (this.opened[index]) return Promise.resolve(this.opened[index]);
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}

const GATES = Symbol('GATES');

@Controller()
class SlowWriteController {
  constructor(@Inject(GATES) private readonly gates: Gates) {}

  /** Never touches the session. */
  @Get('plain')
  plain() {
    return { ok: true };
  }

  @Get('session')
  read(@Session() session: Session) {
    return { keys: session.keys(), principal: session.principal ?? null };
  }

  @Put('fast/:key')
  fast(@Session() session: Session, @Param('key') key: string, @Body() body: { value: unknown }) {
    session.set(key, body.value);
    return { ok: true };
  }

  /** Loads the session, waits at a gate, then writes: a slow request racing a logout. */
  @Put('slow/:key')
  async slow(
    @Session() session: Session,
    @Param('key') key: string,
    @Body() body: { value: unknown },
  ) {
    await this.gates.open().pass();
    session.set(key, body.value);
    return { ok: true };
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Session() session: Session): void {
    session.destroy();
  }
}

@Module({})
class SlowWriteModule {
  static register(redisUrl: string, gates: Gates): DynamicModule {
    return {
      module: SlowWriteModule,
      imports: [
        SessionModule.forRoot({ strategy: 'redis', secret: TEST_SECRET, redis: { url: redisUrl } }),
      ],
      controllers: [SlowWriteController],
      providers: [{ provide: GATES, useValue: gates }],
    };
  }
}

/** A tiny app with a route that waits before writing, on the given platform. */
export async function startSlowWriteApp(
  adapter: HttpAdapterName,
  redisUrl: string,
  gates: Gates,
): Promise<INestApplication> {
  const platform = ADAPTERS.find((candidate) => candidate.name === adapter)!.create();
  const app = await NestFactory.create(SlowWriteModule.register(redisUrl, gates), platform, {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  return app;
}
