import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import {
  SessionModule,
  SessionOptionsError,
  type SessionModuleOptions,
} from 'nestjs-distributed-session';
import { ADAPTERS } from '../support/adapters.js';
import { startApp } from '../support/nest-app.js';
import { TEST_SECRET } from '../support/sample-app.js';
import { AsyncClassModule, AsyncFactoryModule } from './apps/async-options.module.js';

describe.each(ADAPTERS)('forRootAsync ($name)', ({ create }) => {
  it.each([
    ['useFactory with imports and inject', AsyncFactoryModule, 'app.sid'],
    ['useClass', AsyncClassModule, 'class.sid'],
  ])('%s', async (_label, module, cookieName) => {
    const running = await startApp(module, create());
    try {
      const response = await running.client().get('/cookie-name');
      expect(response.body).toEqual({ cookieName });
      expect(response.setCookies[0]).toMatch(new RegExp(`^${cookieName.replace('.', '\\.')}=`));
    } finally {
      await running.close();
    }
  });
});

describe('invalid options fail at application start, naming the option', () => {
  async function startWith(options: Partial<SessionModuleOptions>): Promise<unknown> {
    @Module({
      imports: [
        SessionModule.forRoot({
          strategy: 'memory',
          secret: TEST_SECRET,
          ...options,
        } as SessionModuleOptions),
      ],
    })
    class AppModule {}
    try {
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      await moduleRef.close();
    } catch (error) {
      return error;
    }
    throw new Error('the application started');
  }

  it.each<[Partial<SessionModuleOptions>, string, RegExp]>([
    [{ strategy: 'mongo' as never }, 'strategy', /"strategy": "mongo" is unknown/],
    [{ secret: 'too-short' }, 'secret', /at least 32/],
    [{ secret: '' }, 'secret', /non-empty/],
    [{ ttl: 0 }, 'ttl', /greater than 0/],
    [{ memory: { maxSessions: 0 } }, 'memory.maxSessions', /at least 1/],
  ])('%j', async (options, option, message) => {
    const error = await startWith(options);
    expect(error).toBeInstanceOf(SessionOptionsError);
    expect((error as SessionOptionsError).option).toBe(option);
    expect((error as Error).message).toMatch(message);
  });
});
