// Every process the benchmark starts goes through here, so that all of them are stopped at the end,
// on failure and on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_MAIN } from './build.mjs';

const running = new Set();
const temporaryDirs = new Set();

function killAll(signal = 'SIGKILL') {
  for (const child of running) {
    try {
      child.kill(signal);
    } catch {
      // Already gone.
    }
  }
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
}

process.once('exit', () => killAll());
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, stopping every process it started\n`);
    killAll();
    process.exit(130);
  });
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function track(child) {
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

async function stopChild(child, signal = 'SIGTERM', graceMs = 3000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Thrown when a scenario's strategy is not in this version of the package. */
export class ScenarioUnavailableError extends Error {}

/**
 * Starts one scenario process and waits until it listens. `nodeArgs` go to node (e.g. --cpu-prof),
 * `env` adds to the scenario environment.
 */
export async function startScenario(scenario, { env = {}, nodeArgs = [], port } = {}) {
  const listenPort = port ?? (await freePort());
  const child = track(
    spawn(process.execPath, [...nodeArgs, SERVER_MAIN, scenario, String(listenPort)], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${scenario} did not start within 30 s:\n${output.slice(-2000)}`));
    }, 30_000);
    const check = () => {
      const line = /BENCH_READY (.*)\n/.exec(output);
      if (line) {
        clearTimeout(timer);
        child.stdout.off('data', check);
        resolve(JSON.parse(line[1]));
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const unavailable = /BENCH_UNAVAILABLE (.*)\n/.exec(output);
      if (unavailable) reject(new ScenarioUnavailableError(unavailable[1]));
      else reject(new Error(`${scenario} exited with ${code}:\n${output.slice(-2000)}`));
    });
  });
  return {
    scenario,
    port: listenPort,
    url: `http://127.0.0.1:${listenPort}`,
    pid: child.pid,
    createdMs: ready.createdMs,
    get log() {
      return output;
    },
    stop: () => stopChild(child),
  };
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(1000);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk;
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

/** A redis-server of the benchmark's own, on a free loopback port, without persistence. */
export async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'bench-redis-'));
  temporaryDirs.add(dir);
  const child = track(
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--logfile',
        '',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const deadline = Date.now() + 15_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid,
    async stop() {
      await stopChild(child, 'SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      temporaryDirs.delete(dir);
    },
  };
}
