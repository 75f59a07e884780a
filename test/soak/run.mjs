// `npm run test:soak [-- --duration=<seconds>] [-- -t <strategy>]`: the soak with faults, one Jest run.
// The load lasts `--duration` seconds per strategy (default 60, or SOAK_DURATION_S); any other
// argument goes to Jest.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const rest = [];
let duration = process.env.SOAK_DURATION_S ?? '60';
for (const arg of process.argv.slice(2)) {
  const match = /^--duration=(\d+)$/.exec(arg);
  if (match) duration = match[1];
  else rest.push(arg);
}
if (!/^\d+$/.test(duration) || Number(duration) < 20) {
  console.error(`--duration=${duration}: give a whole number of seconds, at least 20`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  [
    '--experimental-vm-modules',
    '--no-warnings=ExperimentalWarning',
    join(root, 'node_modules', 'jest', 'bin', 'jest.js'),
    '-c',
    join(root, 'test', 'soak', 'jest.config.js'),
    '--runInBand',
    ...rest,
  ],
  { cwd: root, stdio: 'inherit', env: { ...process.env, SOAK_DURATION_S: duration } },
);
process.exit(result.status ?? 1);
