// `npm start`: builds the library and the sample app if needed, then starts one sample node.
// Environment variables are passed through (see README: SESSION_STRATEGY, PORT, SESSION_SECRET, ...).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// tsc -b is incremental: a no-op when the build is current.
const build = spawnSync(
  process.execPath,
  [
    join(root, 'node_modules/typescript/bin/tsc'),
    '-b',
    'libs/session/tsconfig.lib.json',
    'apps/sample/tsconfig.app.json',
  ],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
if (build.status !== 0) process.exit(build.status ?? 1);

const node = spawn(process.execPath, [join(root, 'dist/apps/sample/main.js')], {
  cwd: root,
  stdio: 'inherit',
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => node.kill(signal));
node.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
