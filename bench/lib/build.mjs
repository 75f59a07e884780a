// Transpiles the library, the sample and the benchmark's scenario apps with swc (no type check,
// about a second): the scenario apps import the library by its package name, which the npm
// workspace resolves to libs/session/dist.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { buildForTests } from '../../scripts/build-for-tests.mjs';
import { ROOT } from './paths.mjs';

export const SERVER_MAIN = join(ROOT, 'dist', 'bench', 'server.js');

export function buildBench() {
  buildForTests();
  execFileSync(
    join(ROOT, 'node_modules', '.bin', 'swc'),
    [
      'apps',
      '-d',
      '../dist/bench',
      '--strip-leading-paths',
      '-q',
      '--config-file',
      join(ROOT, '.swcrc'),
    ],
    { cwd: join(ROOT, 'bench'), stdio: 'inherit' },
  );
}
