import type { ChildProcess } from 'node:child_process';

/** Process groups a test started and has not seen exit: killed if the test process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

/** Kills `child`'s whole process group (it must be spawned `detached`) if the test process exits first. */
export function killGroupOnExit(child: ChildProcess): void {
  running.add(child);
  child.once('exit', () => running.delete(child));
}
