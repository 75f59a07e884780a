import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.js';

const run = promisify(execFile);

/** Every server a test started and has not stopped: killed if the test process exits first. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface RedisServerOptions {
  /** Default: a free port. */
  readonly port?: number;
  /** Extra `redis-server` arguments, e.g. `['--replicaof', '127.0.0.1', '6380']`. */
  readonly args?: readonly string[];
  /** Start as a sentinel from this configuration text (written to a file, as Sentinel requires). */
  readonly sentinelConfig?: string;
}

/**
 * A real `redis-server` process on 127.0.0.1 for tests: no persistence, its own temporary
 * directory, stopped and restarted on the same port at will.
 */
export class RedisServer {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly port: number,
    private readonly dir: string,
    private readonly options: RedisServerOptions,
  ) {}

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const server = new RedisServer(
      options.port ?? (await freePort()),
      mkdtempSync(join(tmpdir(), 'redis-test-')),
      options,
    );
    await server.start();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get address(): { host: string; port: number } {
    return { host: '127.0.0.1', port: this.port };
  }

  /** What the server printed. */
  get log(): string {
    return this.output;
  }

  get isRunning(): boolean {
    return (
      this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null
    );
  }

  /** Starts (or starts again, on the same port) and waits until it answers PING. */
  async start(): Promise<void> {
    if (this.isRunning) return;
    const common = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--logfile',
      '',
    ];
    let args: string[];
    if (this.options.sentinelConfig !== undefined) {
      const file = join(this.dir, 'sentinel.conf');
      writeFileSync(file, this.options.sentinelConfig);
      args = [file, '--sentinel', ...common];
    } else {
      args = [...common, '--save', '', '--appendonly', 'no', ...(this.options.args ?? [])];
    }
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    running.add(child);
    child.once('exit', () => running.delete(child));
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    const deadline = Date.now() + 15_000;
    while (!(await answersPing(this.port))) {
      if (!this.isRunning)
        throw new Error(`redis-server on port ${this.port} exited:\n${this.output}`);
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${this.port} did not start:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Stops the server: SIGKILL (a crash) by default, SIGTERM for a clean shutdown. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.isRunning) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    if (signal !== 'SIGKILL') child.kill('SIGCONT');
    await exited;
  }

  /** Sends a signal without waiting: SIGSTOP makes the server hang (a slow Redis), SIGCONT resumes it. */
  signal(signal: NodeJS.Signals): void {
    if (this.isRunning) this.child!.kill(signal);
  }

  /** Stops the server for good and removes its directory. */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Runs `redis-cli` against this server; returns its output. */
  async cli(...args: string[]): Promise<string> {
    const { stdout } = await run('redis-cli', [
      '-h',
      '127.0.0.1',
      '-p',
      String(this.port),
      ...args,
    ]);
    return stdout.trim();
  }
}

/** A real Redis Cluster of `masters` masters (no replicas), every slot assigned. */
export class RedisClusterFixture {
  private constructor(readonly nodes: RedisServer[]) {}

  static async start(masters = 3): Promise<RedisClusterFixture> {
    const nodes = await Promise.all(
      Array.from({ length: masters }, () =>
        RedisServer.start({
          args: [
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '2000',
          ],
        }),
      ),
    );
    const fixture = new RedisClusterFixture(nodes);
    try {
      await run('redis-cli', [
        '--cluster',
        'create',
        ...nodes.map((node) => `127.0.0.1:${node.port}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ]);
      await waitFor(async () => {
        const infos = await Promise.all(nodes.map((node) => node.cli('cluster', 'info')));
        return infos.every((info) => info.includes('cluster_state:ok'));
      }, 'the cluster to be ok');
    } catch (error) {
      await fixture.destroy();
      throw error;
    }
    return fixture;
  }

  /** Seed nodes for an ioredis `Cluster`. */
  get startupNodes(): { host: string; port: number }[] {
    return this.nodes.map((node) => node.address);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.destroy()));
  }
}

/** One master, one replica and one sentinel monitoring them as `masterName`. */
export class RedisSentinelFixture {
  private constructor(
    readonly master: RedisServer,
    readonly replica: RedisServer,
    readonly sentinel: RedisServer,
    readonly masterName: string,
  ) {}

  static async start(masterName = 'sessions'): Promise<RedisSentinelFixture> {
    const master = await RedisServer.start();
    const replica = await RedisServer.start({
      args: ['--replicaof', '127.0.0.1', String(master.port)],
    });
    const sentinel = await RedisServer.start({
      sentinelConfig: [
        `sentinel monitor ${masterName} 127.0.0.1 ${master.port} 1`,
        `sentinel down-after-milliseconds ${masterName} 1000`,
        `sentinel failover-timeout ${masterName} 5000`,
        '',
      ].join('\n'),
    });
    const fixture = new RedisSentinelFixture(master, replica, sentinel, masterName);
    try {
      // A failover needs a replica the sentinel knows and that is in sync.
      await waitFor(async () => {
        const replicas = await sentinel.cli('sentinel', 'replicas', masterName);
        const synced = (await replica.cli('info', 'replication')).includes('master_link_status:up');
        return (
          synced && replicas.includes(String(replica.port)) && !/s_down|disconnected/.test(replicas)
        );
      }, 'the sentinel to see a synced replica');
    } catch (error) {
      await fixture.destroy();
      throw error;
    }
    return fixture;
  }

  get sentinels(): { host: string; port: number }[] {
    return [this.sentinel.address];
  }

  /** The port of the master the sentinel names now. */
  async currentMasterPort(): Promise<number> {
    const reply = await this.sentinel.cli('sentinel', 'get-master-addr-by-name', this.masterName);
    return Number(reply.split('\n')[1]);
  }

  /** Forces a failover and waits until the replica is the master and the old master its replica, in sync. */
  async failover(): Promise<void> {
    const before = await this.currentMasterPort();
    await this.sentinel.cli('sentinel', 'failover', this.masterName);
    await waitFor(
      async () => (await this.currentMasterPort()) !== before,
      'the sentinel to promote the replica',
    );
    const [promoted, demoted] =
      before === this.master.port ? [this.replica, this.master] : [this.master, this.replica];
    await waitFor(
      async () => (await promoted.cli('role')).startsWith('master'),
      'the replica to become master',
    );
    // The sentinel then turns the old master into a replica (and disconnects its clients), which
    // then syncs from the new master.
    await waitFor(async () => {
      const replication = await demoted.cli('info', 'replication');
      return /role:slave/.test(replication) && replication.includes('master_link_status:up');
    }, 'the old master to follow the new one, in sync');
  }

  async destroy(): Promise<void> {
    await Promise.all([this.sentinel.destroy(), this.replica.destroy(), this.master.destroy()]);
  }
}

/** Polls `check` until it is true, at most `timeoutMs`. */
export async function waitFor(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch {
      // Not yet: the thing polled may not answer until it is ready.
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
    socket.on('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('error', () => resolve(false));
  });
}
