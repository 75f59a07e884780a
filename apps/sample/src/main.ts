import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createSampleApp } from './sample.app.js';
import { loadSampleConfig } from './sample.config.js';

async function main(): Promise<void> {
  const logger = new Logger('Sample');
  const config = loadSampleConfig(process.env, (message) => logger.warn(message));
  const app = await createSampleApp(config);
  await app.listen(config.port, config.host);
  reportHeapOnSignal();
  logger.log(
    `node ${config.nodeName} (${config.strategy}, ${config.adapter}) listening on http://${config.host}:${config.port}`,
  );
}

/**
 * Test-only, off unless the process runs with `--expose-gc` and `SAMPLE_HEAP_SIGNAL=1`: on SIGWINCH
 * the node collects garbage and prints `heap-used <bytes>`, so the soak test compares heaps after a
 * full GC. No HTTP route is added. (Not SIGUSR2: Nest's shutdown hooks stop the app on it.)
 */
function reportHeapOnSignal(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (process.env.SAMPLE_HEAP_SIGNAL !== '1' || typeof gc !== 'function') return;
  process.on('SIGWINCH', () => {
    gc();
    gc();
    console.log(`heap-used ${process.memoryUsage().heapUsed}`);
  });
}

main().catch((error: unknown) => {
  // Start-up errors (bad options, missing secret) are printed plainly and end the process.
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
  process.exit(1);
});
