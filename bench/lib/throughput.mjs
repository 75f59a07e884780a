// Interleaved throughput rounds: every scenario in a fresh process, GET then POST, each with a
// warm-up that is discarded, then the measured run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { keepAliveAgent, newSession, request } from './http.mjs';
import { runLoad } from './load.mjs';
import { freePort, ScenarioUnavailableError, startScenario } from './processes.mjs';

/**
 * Starts what a scenario needs. The replicated scenario is three nodes: the one under load and two
 * live peers that receive every write. Resolves with the serving node and a stop() for all.
 */
export async function startScenarioSet(id, { redisUrl, env = {}, nodeArgs = [] } = {}) {
  const common = { BENCH_REDIS_URL: redisUrl, ...env };
  if (id !== 'express-ours-replicated') {
    const server = await startScenario(id, { env: common, nodeArgs });
    return { server, nodes: [server], stop: () => server.stop() };
  }
  const nodes = [];
  const stop = () => Promise.all(nodes.map((node) => node.stop()));
  try {
    const [portA, portB, portC] = await Promise.all([freePort(), freePort(), freePort()]);
    const peer = (port) => `127.0.0.1:${port}`;
    // B starts first (alone, so ready at once), C joins B, then A (the serving node) joins both.
    const start = async (port, peers, args = []) => {
      const node = await startScenario('express-ours-replicated', {
        env: {
          ...common,
          BENCH_REPLICATION_PORT: String(port),
          BENCH_REPLICATION_PEERS: peers.map(peer).join(','),
        },
        nodeArgs: args,
      });
      nodes.push(node);
      await waitReady(node.url);
      return node;
    };
    await start(portB, []);
    await start(portC, [portB]);
    const server = await start(portA, [portB, portC], nodeArgs);
    return { server, nodes, peers: nodes.slice(0, 2), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Waits until a node of this package reports its store ready (a replicated node: joined). */
export async function waitReady(url, { sessions = 0, timeoutMs = 60_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { json } = await request(`${url}/bench/stats`);
    if (json?.readyAfterMs !== null && json?.ready && (json.sessions ?? 0) >= sessions) return json;
    if (Date.now() > deadline) throw new Error(`${url} not ready: ${JSON.stringify(json)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** One session per connection, each obtained by a POST /counter without a cookie. */
export async function createSessions(url, count) {
  const agent = keepAliveAgent();
  const cookies = [];
  for (let i = 0; i < count; i++) {
    const { cookie } = await newSession(url, agent);
    if (cookie) cookies.push(cookie);
  }
  agent.destroy();
  return cookies;
}

let clockTicks;

/**
 * CPU time (user + system) a process has used so far, in µs, from /proc (Linux); null elsewhere.
 * Unlike req/s, it hardly moves when other processes compete for the cores.
 */
export function cpuTimeUs(pid) {
  try {
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of the file (utime, stime); the split starts at field 3.
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / clockTicks;
  } catch {
    return null;
  }
}

/**
 * Measures one scenario: a warm-up of GET and of POST (discarded: the JIT must have seen both code
 * paths, or the first measured method pays for compiling them), then GET, then POST.
 */
export async function measureScenario(id, options) {
  const { redisUrl, connections, durationS, warmupS, nodeArgs, log } = options;
  const set = await startScenarioSet(id, { redisUrl, nodeArgs });
  try {
    const url = set.server.url;
    const cookies = await createSessions(url, connections);
    const load = (method, seconds) =>
      runLoad({ url, method, cookies, connections, durationS: seconds });
    if (warmupS > 0) {
      await load('GET', warmupS);
      await load('POST', warmupS);
    }
    const results = {};
    for (const method of ['GET', 'POST']) {
      const cpuBefore = cpuTimeUs(set.server.pid);
      const result = await load(method, durationS);
      const cpuAfter = cpuTimeUs(set.server.pid);
      result.cpuUsPerRequest =
        cpuBefore === null || cpuAfter === null || result.requests === 0
          ? null
          : (cpuAfter - cpuBefore) / result.requests;
      results[method] = result;
      log?.(
        `  ${id.padEnd(26)} ${method.padEnd(4)} ${result.rps.toFixed(0).padStart(6)} req/s  p50 ${result.p50} ms  p99 ${result.p99} ms  server CPU ${result.cpuUsPerRequest?.toFixed(0)} µs/req` +
          (result.errors || result.non2xx || result.timeouts
            ? `  errors ${result.errors} non2xx ${result.non2xx} timeouts ${result.timeouts}`
            : ''),
      );
    }
    return results;
  } finally {
    await set.stop();
  }
}

export { ScenarioUnavailableError };
