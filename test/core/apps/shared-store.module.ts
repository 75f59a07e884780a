import { Controller, Get, HttpCode, Module, Post, type DynamicModule } from '@nestjs/common';
import {
  Session,
  SessionModule,
  type SessionModuleOptions,
  type SessionStore,
} from 'nestjs-distributed-session';

@Controller()
class CounterController {
  @Post('counter')
  @HttpCode(200)
  increment(@Session() session: Session) {
    const counter = ((session.get('counter') as number | undefined) ?? 0) + 1;
    session.set('counter', counter);
    return { counter };
  }

  @Get('counter')
  read(@Session() session: Session) {
    return { counter: session.get('counter') ?? 0 };
  }

  @Get('untouched')
  untouched() {
    return { ok: true };
  }
}

/** An app on a store of the user's own (the `store` option), e.g. shared by several apps. */
@Module({})
export class SharedStoreModule {
  static register(
    store: SessionStore,
    options: Partial<SessionModuleOptions> & Pick<SessionModuleOptions, 'secret'>,
  ): DynamicModule {
    return {
      module: SharedStoreModule,
      imports: [SessionModule.forRoot({ store, ...options })],
      controllers: [CounterController],
    };
  }
}
