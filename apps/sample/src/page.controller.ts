import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Session } from 'nestjs-distributed-session';
import { SAMPLE_CONFIG } from './sample.constants.js';
import type { SampleConfig } from './sample.config.js';
import { renderPage } from './page.html.js';
import { sessionView } from './sample-session.js';

@Controller()
export class PageController {
  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  @Get()
  @Header('Content-Type', 'text/html; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  page(@Session() session: Session): string {
    return renderPage({
      node: this.config.nodeName,
      strategy: this.config.strategy,
      ...sessionView(session),
    });
  }
}
