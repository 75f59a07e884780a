import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './sample.app.js';
import { loadSampleConfig } from './sample.config.js';

async function main(): Promise<void> {
  const logger = new Logger('Sample');
  const config = loadSampleConfig(process.env, (message) => logger.warn(message));
  const app = await createSampleApp(config);
  await app.listen(config.port, config.host);
  logger.log(
    `node ${config.nodeName} (${config.strategy}, ${config.adapter}) listening on http://${config.host}:${config.port}`,
  );
}

main().catch((error: unknown) => {
  // Start-up errors (bad options, missing secret) are printed plainly and end the process.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
