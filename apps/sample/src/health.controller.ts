import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { SessionService } from 'nestjs-distributed-session';
import { SAMPLE_CONFIG } from './sample.constants.js';
import type { SampleConfig } from './sample.config.js';

@Controller('health')
export class HealthController {
  constructor(
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
    private readonly sessions: SessionService,
  ) {}

  @Get()
  async check() {
    const health = await this.sessions.health();
    const body = { node: this.config.nodeName, strategy: this.config.strategy };
    if (!health.ok) {
      throw new ServiceUnavailableException({
        statusCode: 503,
        status: 'unavailable',
        reason: health.reason,
        ...body,
      });
    }
    return { status: 'ok', ...body };
  }
}
