import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../../support/ports.js';
import { waitFor } from './wait.js';
import { killGroupOnExit } from './process-groups.js';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const NGINX_CONFIGS = join(ROOT, 'deploy', 'nginx');
export type NginxMode = 'round-robin' | 'ip-hash';

/** Debian installs nginx in /usr/sbin, which a user's PATH may lack. */
const NGINX = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';
/** The user an nginx started by root runs as: Debian's `nobody`. */
const NOBODY = 65_534;

export interface TlsListener {
  readonly port: number;
  readonly certificate: string;
  readonly key: string;
}

/**
 * `deploy/nginx/<mode>.conf` made runnable here: the `listen 80` of the file becomes a free port
 * on 127.0.0.1 (plus, with `tls`, an HTTPS port), and its `server app-N:3000 …;` lines (the
 * compose services) become the nodes' ports on 127.0.0.1, with the same parameters. Everything
 * else in the file is used as it is.
 */
export function adaptConfig(
  source: string,
  listenPort: number,
  upstreamPorts: readonly number[],
  tls?: TlsListener,
): string {
  const server = /^([ \t]*)server\s+app-\d+:3000((?:\s[^;]*)?);/gm;
  const servers = source.match(server) ?? [];
  if (servers.length !== upstreamPorts.length) {
    throw new Error(
      `the nginx config has ${servers.length} "server app-N:3000 …;" lines for ${upstreamPorts.length} nodes`,
    );
  }
  let next = 0;
  const adapted = source.replace(
    server,
    (_line, indent: string, parameters: string) =>
      `${indent}server 127.0.0.1:${upstreamPorts[next++]}${parameters};`,
  );
  const listen = /^([ \t]*)listen\s+80;/m;
  if (!listen.test(source)) throw new Error('the nginx config has no "listen 80;" line to adapt');
  return adapted.replace(listen, (_line, indent: string) =>
    [
      `${indent}listen 127.0.0.1:${listenPort};`,
      ...(tls
        ? [
            `${indent}listen 127.0.0.1:${tls.port} ssl;`,
            `${indent}ssl_certificate ${tls.certificate};`,
            `${indent}ssl_certificate_key ${tls.key};`,
          ]
        : []),
    ].join('\n'),
  );
}

/**
 * Debian's nginx as an unprivileged foreground process: its own prefix, configuration, pid, logs
 * and temporary paths in a temporary directory, listening on a free port of 127.0.0.1.
 */
export class NginxProcess {
  private child?: ChildProcess;
  private output = '';

  private constructor(
    readonly mode: NginxMode,
    readonly port: number,
    readonly dir: string,
    /** With `{ tls: true }`: an HTTPS port too, with a self-signed certificate for 127.0.0.1. */
    readonly tlsPort?: number,
  ) {}

  static async start(
    mode: NginxMode,
    upstreamPorts: readonly number[],
    options: { tls?: boolean } = {},
  ): Promise<NginxProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'nginx-test-'));
    const tlsPort = options.tls ? await freePort() : undefined;
    const nginx = new NginxProcess(mode, await freePort(), dir, tlsPort);
    try {
      if (tlsPort) await nginx.makeCertificate();
      nginx.writeConfig(upstreamPorts);
      await nginx.run();
    } catch (error) {
      await nginx.stop();
      throw error;
    }
    return nginx;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The self-signed certificate of the HTTPS port (PEM), for a client to trust. */
  get certificate(): string {
    return readFileSync(join(this.dir, 'cert.pem'), 'utf8');
  }

  /** What nginx printed, and its error log. */
  get log(): string {
    const errorLog = join(this.dir, 'error.log');
    return `${this.output}${existsSync(errorLog) ? readFileSync(errorLog, 'utf8') : ''}`;
  }

  /** The access log: one line per request, with the upstream node that answered it. */
  get accessLog(): string {
    const file = join(this.dir, 'access.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  /** A throw-away self-signed certificate for 127.0.0.1 (EC P-256, one day). */
  private async makeCertificate(): Promise<void> {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(this.dir, 'key.pem'),
      '-out',
      join(this.dir, 'cert.pem'),
    ]);
  }

  private writeConfig(upstreamPorts: readonly number[]): void {
    const dir = this.dir;
    for (const temp of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'])
      mkdirSync(join(dir, temp));
    const site = adaptConfig(
      readFileSync(join(NGINX_CONFIGS, `${this.mode}.conf`), 'utf8'),
      this.port,
      upstreamPorts,
      this.tlsPort
        ? { port: this.tlsPort, certificate: `${dir}/cert.pem`, key: `${dir}/key.pem` }
        : undefined,
    );
    writeFileSync(join(dir, 'site.conf'), site);
    writeFileSync(
      join(dir, 'nginx.conf'),
      [
        // One worker: its round-robin state is the whole balancer's, so the order is deterministic.
        'worker_processes 1;',
        `error_log ${dir}/error.log notice;`,
        'events { worker_connections 256; }',
        'http {',
        `  log_format upstream '$remote_addr "$request" $status upstream=$upstream_addr';`,
        `  access_log ${dir}/access.log upstream;`,
        `  client_body_temp_path ${dir}/client_body;`,
        `  proxy_temp_path ${dir}/proxy;`,
        `  fastcgi_temp_path ${dir}/fastcgi;`,
        `  uwsgi_temp_path ${dir}/uwsgi;`,
        `  scgi_temp_path ${dir}/scgi;`,
        `  include ${dir}/site.conf;`,
        '}',
        '',
      ].join('\n'),
    );
    // Started by root (CI runs as root), nginx runs as `nobody`, which must own its directory.
    if (process.getuid?.() === 0) {
      for (const path of ['', ...readdirSync(dir)]) {
        chownSync(join(dir, path), NOBODY, NOBODY);
      }
    }
  }

  private async run(): Promise<void> {
    const dir = this.dir;
    const asRoot = process.getuid?.() === 0;
    const child = spawn(
      NGINX,
      [
        '-p',
        dir,
        '-e',
        `${dir}/error.log`,
        '-c',
        `${dir}/nginx.conf`,
        '-g',
        `daemon off; pid ${dir}/nginx.pid;`,
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group, so that the master and its worker can be killed together.
        detached: true,
        ...(asRoot ? { uid: NOBODY, gid: NOBODY } : {}),
      },
    );
    this.child = child;
    killGroupOnExit(child);
    child.stdout!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    await waitFor(
      async () => {
        if (child.exitCode !== null) return true;
        if (!existsSync(join(dir, 'nginx.pid'))) return false;
        const response = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2000) });
        await response.arrayBuffer();
        return response.status === 200;
      },
      () => `nginx (${this.mode}) to answer on ${this.url}:\n${this.log}`,
      15_000,
    );
    if (child.exitCode !== null)
      throw new Error(`nginx exited with ${child.exitCode}:\n${this.log}`);
  }

  /** Stops nginx (fast shutdown, SIGTERM), then removes its directory. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // Already gone.
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
