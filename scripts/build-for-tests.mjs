// Transpiles the library and the sample app with swc (no type check, about a second), so tests
// that run the sample as real child processes start the current sources. `npm run build` (tsc)
// remains the build that type-checks and emits declarations.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const swc = join(root, 'node_modules', '.bin', 'swc');
const config = join(root, '.swcrc');

export function buildForTests() {
  for (const [source, output] of [
    ['libs/session', 'dist'],
    ['apps/sample', '../../dist/apps/sample'],
  ]) {
    execFileSync(
      swc,
      [
        'src',
        '-d',
        output,
        '--strip-leading-paths',
        '-q',
        '--config-file',
        config,
        '--ignore',
        '**/*.spec.ts',
      ],
      {
        cwd: join(root, source),
        stdio: 'inherit',
      },
    );
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) buildForTests();
