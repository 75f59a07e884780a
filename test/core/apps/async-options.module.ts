import { Controller, Get, Injectable, Module } from '@nestjs/common';
import {
  Session,
  SessionModule,
  InjectSessionOptions,
  type ResolvedSessionOptions,
  type SessionModuleOptions,
  type SessionOptionsFactory,
} from 'nestjs-distributed-session';
import { TEST_SECRET } from '../../support/sample-app.js';

/** Stands for the app's own configuration service. */
@Injectable()
export class AppConfig {
  readonly sessionSecret = TEST_SECRET;
  readonly cookieName = 'app.sid';
}

@Module({ providers: [AppConfig], exports: [AppConfig] })
export class AppConfigModule {}

@Injectable()
class SessionConfigService implements SessionOptionsFactory {
  constructor(private readonly config: AppConfig) {}

  createSessionOptions(): SessionModuleOptions {
    return { strategy: 'memory', secret: this.config.sessionSecret, cookie: { name: 'class.sid' } };
  }
}

@Controller()
class OptionsController {
  constructor(@InjectSessionOptions() private readonly options: ResolvedSessionOptions) {}

  @Get('cookie-name')
  cookieName(@Session() session: Session) {
    session.set('seen', true);
    return { cookieName: this.options.cookie.name };
  }
}

/** `forRootAsync` with `imports` + `inject` + `useFactory`. */
@Module({
  imports: [
    SessionModule.forRootAsync({
      imports: [AppConfigModule],
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => ({
        strategy: 'memory',
        secret: config.sessionSecret,
        cookie: { name: config.cookieName },
      }),
    }),
  ],
  controllers: [OptionsController],
})
export class AsyncFactoryModule {}

/** `forRootAsync` with `useClass`. */
@Module({
  imports: [
    SessionModule.forRootAsync({ imports: [AppConfigModule], useClass: SessionConfigService }),
  ],
  controllers: [OptionsController],
})
export class AsyncClassModule {}
