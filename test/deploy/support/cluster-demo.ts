import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SessionStrategyName } from 'nestjs-distributed-session';
import { freePort } from '../../support/ports.js';
import { TEST_SECRET } from '../../support/sample-app.js';
import { groupHasProcesses, waitFor } from './wait.js';
import { killGroupOnExit } from './process-groups.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface DemoNode {
  readonly name: string;
  readonly pid: number;
  readonly url: string;
}

export interface ClusterDemoOptions {
  /** `npm start -- --no-build` (as a person types it) or `node scripts/start.mjs --no-build`. */
  readonly via?: 'npm' | 'node';
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * The local cluster demo (`npm start`) as a real process tree in its own process group, on free
 * ports. The e2e project's global setup has built the sample, so the demo is started with
 * `--no-build`.
 */
export class ClusterDemo {
  private output = '';
  readonly nodes: DemoNode[] = [];
  url = '';

  private constructor(
    readonly strategy: SessionStrategyName,
    readonly child: ChildProcess,
  ) {}

  static async start(
    strategy: SessionStrategyName,
    options: ClusterDemoOptions = {},
  ): Promise<ClusterDemo> {
    const ports: number[] = [];
    for (let i = 0; i < 7; i++) ports.push(await freePort());
    const [balancer, ...rest] = ports;
    const command =
      options.via === 'npm'
        ? { file: 'npm', args: ['start', '--silent', '--', '--no-build'] }
        : { file: process.execPath, args: [join(ROOT, 'scripts', 'start.mjs'), '--no-build'] };
    const child = spawn(command.file, command.args, {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_ENV: 'test',
        SESSION_STRATEGY: strategy,
        SESSION_SECRET: TEST_SECRET,
        PORT: String(balancer),
        NODE_PORTS: rest.slice(0, 3).join(','),
        REPLICATION_PORTS: rest.slice(3, 6).join(','),
        ...options.env,
      },
      // Its own process group, as a terminal gives a command: Ctrl-C signals the whole group.
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killGroupOnExit(child);
    const demo = new ClusterDemo(strategy, child);
    child.stdout!.on('data', (chunk: Buffer) => demo.read(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (demo.output += chunk.toString()));
    try {
      await waitFor(
        () => demo.url !== '' || child.exitCode !== null,
        () => `the demo to print its URL:\n${demo.output}`,
        90_000,
      );
    } catch (error) {
      await demo.kill();
      throw error;
    }
    if (demo.url === '') {
      // It gave up by itself: it must not have left a node behind.
      const orphans = await waitFor(() => !groupHasProcesses(demo.pgid), 'the demo to end', 10_000)
        .then(() => '')
        .catch(() => ' and LEFT PROCESSES BEHIND');
      await demo.kill();
      throw new Error(`the demo exited with ${child.exitCode}${orphans}:\n${demo.output}`);
    }
    return demo;
  }

  get pgid(): number {
    return this.child.pid!;
  }

  /** Everything the demo printed. */
  get log(): string {
    return this.output;
  }

  private read(text: string): void {
    this.output += text;
    for (const line of text.split('\n')) {
      const node = /^(node-\d+)\s+pid (\d+)\s+(http:\/\/\S+)/.exec(line);
      if (node) this.nodes.push({ name: node[1], pid: Number(node[2]), url: node[3] });
      const open = /^Open (http:\/\/\S+)/.exec(line);
      if (open) this.url = open[1];
    }
  }

  /** Signals the demo's whole process group (as Ctrl-C does) or only its first process. */
  signal(signal: NodeJS.Signals, target: 'group' | 'process' = 'group'): void {
    process.kill(target === 'group' ? -this.pgid : this.pgid, signal);
  }

  /** Waits until no process of the demo's group is left. */
  async waitGone(timeoutMs = 20_000): Promise<void> {
    await waitFor(
      () => !groupHasProcesses(this.pgid),
      'every process of the demo to end',
      timeoutMs,
    );
  }

  /** Stops the demo as Ctrl-C does; kills what is left after a deadline. For afterAll. */
  async stop(): Promise<void> {
    if (!groupHasProcesses(this.pgid)) return;
    try {
      this.signal('SIGINT');
      await this.waitGone(15_000);
    } catch {
      await this.kill();
    }
  }

  private async kill(): Promise<void> {
    try {
      process.kill(-this.pgid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await waitFor(() => !groupHasProcesses(this.pgid), 'the demo to be killed', 10_000);
  }
}
