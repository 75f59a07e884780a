import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './ports.js';
import { TEST_SECRET } from './sample-app.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Built by the e2e project's global setup (`scripts/build-for-tests.mjs`). */
export const SAMPLE_MAIN = join(ROOT, 'dist', 'apps', 'sample', 'main.js');

/** One sample node running as a real child process. */
export class SampleProcess {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly name: string,
    readonly port: number,
    readonly env: NodeJS.ProcessEnv,
  ) {}

  /** Starts a node and waits until it listens. `env` adds to a test environment (memory strategy, test secret). */
  static async start(
    name: string,
    env: NodeJS.ProcessEnv = {},
    port?: number,
  ): Promise<SampleProcess> {
    const node = new SampleProcess(name, port ?? (await freePort()), env);
    await node.start();
    return node;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the node printed (stdout and stderr). */
  get log(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<void> {
    const child = spawn(process.execPath, [SAMPLE_MAIN], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        SESSION_STRATEGY: 'memory',
        SESSION_SECRET: TEST_SECRET,
        NODE_NAME: this.name,
        HOST: '127.0.0.1',
        PORT: String(this.port),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start:\n${this.output}`)),
        20_000,
      );
      const check = () => {
        if (this.output.includes('listening on')) {
          clearTimeout(timer);
          child.stdout!.off('data', check);
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code}:\n${this.output}`));
      });
    });
  }

  /** Stops the node: SIGTERM (graceful) by default, or SIGKILL to simulate a crash. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Sends a signal without waiting (SIGSTOP / SIGCONT to pause and resume). */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }
}
