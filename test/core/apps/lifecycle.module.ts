import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Module,
  Post,
  Redirect,
  Res,
  type DynamicModule,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Session, SessionModule, type SessionModuleOptions } from 'nestjs-distributed-session';

/** Routes that exercise when the commit happens: redirects, manual responses, failing handlers. */
@Controller()
class LifecycleController {
  @Post('redirect')
  @Redirect('/value', 302)
  redirect(@Session() session: Session) {
    session.set('value', 'set-before-redirect');
  }

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  /** The handler writes the response itself, so it saves the session first. */
  @Post('manual-redirect')
  async manualRedirect(@Session() session: Session, @Res() response: object) {
    session.set('value', 'set-before-manual-redirect');
    await session.save();
    this.adapterHost.httpAdapter.redirect(response, 302, '/value');
  }

  @Post('fail')
  fail(@Session() session: Session) {
    session.set('attempts', ((session.get('attempts') as number | undefined) ?? 0) + 1);
    throw new BadRequestException('handler failed after writing to the session');
  }

  @Post('pair/:key')
  @HttpCode(200)
  async pair(@Session() session: Session) {
    // Both requests of a pair load the same session before either commits.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return session.id;
  }

  @Get('value')
  value(@Session() session: Session) {
    return { value: session.get('value') ?? null, attempts: session.get('attempts') ?? 0 };
  }
}

@Module({})
export class LifecycleModule {
  static register(options: SessionModuleOptions): DynamicModule {
    return {
      module: LifecycleModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [LifecycleController],
    };
  }
}
