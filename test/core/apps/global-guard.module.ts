import { Controller, Get, HttpCode, Module, Post, Body } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import {
  AllowAnonymous,
  Principal,
  Session,
  SessionGuard,
  SessionModule,
} from 'nestjs-distributed-session';
import { TEST_SECRET } from '../../support/sample-app.js';

@Controller('private')
class PrivateController {
  @Get()
  whoami(@Principal() user: string) {
    return { user };
  }

  @Post('login')
  @AllowAnonymous()
  @HttpCode(200)
  login(@Session() session: Session, @Body() body: { user: string }) {
    session.login(body.user);
    return { user: body.user };
  }
}

@Controller('public')
@AllowAnonymous()
class PublicController {
  @Get()
  hello() {
    return { hello: 'world' };
  }
}

/** `SessionGuard` bound globally, with `@AllowAnonymous()` on a method and on a whole controller. */
@Module({
  imports: [SessionModule.forRoot({ strategy: 'memory', secret: TEST_SECRET })],
  controllers: [PrivateController, PublicController],
  providers: [{ provide: APP_GUARD, useClass: SessionGuard }],
})
export class GlobalGuardModule {}
