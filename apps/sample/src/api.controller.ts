import {
  BadRequestException,
  Body,
  Controller,
  Get,
  HttpCode,
  Inject,
  NotImplementedException,
  Param,
  Post,
  Put,
  UseGuards,
} from '@nestjs/common';
import {
  Principal,
  Session,
  SessionGuard,
  SessionNotSupportedError,
  SessionService,
} from 'nestjs-distributed-session';
import {
  DATA_KEY_PATTERN,
  DATA_KEY_PREFIX,
  SAMPLE_CONFIG,
  USERNAME_PATTERN,
} from './sample.constants.js';
import type { SampleConfig } from './sample.config.js';
import { dataOf, sessionView } from './sample-session.js';

@Controller('api')
export class ApiController {
  private readonly node: string;
  private readonly strategy: string;

  constructor(
    @Inject(SAMPLE_CONFIG) config: SampleConfig,
    private readonly sessions: SessionService,
  ) {
    this.node = config.nodeName;
    this.strategy = config.strategy;
  }

  /** Reads the session; an anonymous visit creates nothing. */
  @Get('session')
  read(@Session() session: Session) {
    return { node: this.node, strategy: this.strategy, ...sessionView(session) };
  }

  @Post('counter')
  @HttpCode(200)
  increment(@Session() session: Session) {
    const counter = (session.get('counter') ?? 0) + 1;
    session.set('counter', counter);
    return { node: this.node, counter };
  }

  @Put('data/:key')
  setData(@Session() session: Session, @Param('key') key: string, @Body() body: unknown) {
    if (!DATA_KEY_PATTERN.test(key))
      throw new BadRequestException('key must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
    if (body === null || typeof body !== 'object' || !('value' in body)) {
      throw new BadRequestException('body must be a JSON object { "value": ... }');
    }
    session.set(`${DATA_KEY_PREFIX}${key}`, (body as { value: unknown }).value);
    return { node: this.node, data: dataOf(session) };
  }

  @Post('login')
  @HttpCode(200)
  login(@Session() session: Session, @Body() body: unknown) {
    const username = (body as { username?: unknown } | null)?.username;
    if (typeof username !== 'string' || !USERNAME_PATTERN.test(username)) {
      throw new BadRequestException(
        'username must be 1-64 characters of A-Z, a-z, 0-9, _, . and -',
      );
    }
    session.login(username);
    return { node: this.node, user: username };
  }

  @Post('logout')
  @HttpCode(204)
  logout(@Session() session: Session): void {
    session.destroy();
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Principal() user: string) {
    return { node: this.node, user };
  }

  /** The caller's sessions (their devices); needs a strategy with server-side state. */
  @Get('sessions')
  @UseGuards(SessionGuard)
  async list(@Session() session: Session) {
    const sessions = await notImplementedIfUnsupported(
      this.sessions.listByPrincipal(session.principal!),
    );
    return {
      node: this.node,
      sessions: sessions.map(({ id, createdAt, lastAccessedAt, expiresAt }) => ({
        id,
        current: id === session.id,
        createdAt: new Date(createdAt).toISOString(),
        lastAccessedAt: new Date(lastAccessedAt).toISOString(),
        expiresAt: new Date(expiresAt).toISOString(),
      })),
    };
  }

  /** Log out everywhere else. */
  @Post('logout-others')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  async logoutOthers(@Session() session: Session) {
    const revoked = await notImplementedIfUnsupported(
      this.sessions.revokeAllForPrincipal(session.principal!, {
        except: session.id,
      }),
    );
    return { node: this.node, revoked };
  }
}

/** A strategy without server-side state (cookie) cannot list or revoke sessions: a 501 says so. */
async function notImplementedIfUnsupported<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    if (error instanceof SessionNotSupportedError) throw new NotImplementedException(error.message);
    throw error;
  }
}
