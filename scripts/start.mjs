// `npm start`: the local cluster demo. Builds the library and the sample app if needed, starts three
// sample nodes and a round-robin balancer in front of them, and stops them all on Ctrl-C.
//
//   SESSION_STRATEGY   replicated (default), memory, redis (uses REDIS_URL) or cookie
//   PORT, HOST         the balancer, the URL to open: 3000, 127.0.0.1
//   NODE_PORTS         the nodes' HTTP ports, comma-separated: PORT+1, PORT+2, PORT+3
//   REPLICATION_PORTS  the nodes' replication ports (replicated strategy): each node port + 100
//   SESSION_SECRET     shared by the nodes; one is generated for this run when unset
//   VERBOSE=1          print every line the nodes log (by default: warnings and errors only)
//
// `node scripts/start.mjs --no-build` skips the build. `npm run start:node` starts one node.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { createBalancer } from './balancer.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = join(root, 'dist/apps/sample/main.js');
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

const env = process.env;
const args = process.argv.slice(2);
const verbose = env.VERBOSE === '1' || env.VERBOSE === 'true' || args.includes('--verbose');

/** @param {string} message */
function fatal(message) {
  console.error(`start: ${message}`);
  process.exit(1);
}

/**
 * @param {string} name
 * @param {string | undefined} raw
 * @param {number} fallback
 */
function port(name, raw, fallback) {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65_535) {
    fatal(`${name}=${raw} is not a port number`);
  }
  return value;
}

/**
 * @param {string} name
 * @param {number[]} fallback
 */
function ports(name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  return raw.split(',').map((part) => port(name, part.trim(), 0));
}

const strategy = env.SESSION_STRATEGY || 'replicated';
const host = env.HOST || '127.0.0.1';
const balancerPort = port('PORT', env.PORT, 3000);
const nodePorts = ports(
  'NODE_PORTS',
  [1, 2, 3].map((i) => balancerPort + i),
);
const replicationPorts = ports(
  'REPLICATION_PORTS',
  nodePorts.map((p) => p + 100),
);
if (replicationPorts.length !== nodePorts.length) {
  fatal('REPLICATION_PORTS must list as many ports as NODE_PORTS');
}
// One secret for every node, so that any node accepts the cookie another one signed.
const secret = env.SESSION_SECRET || randomBytes(32).toString('base64url');

if (!args.includes('--no-build')) {
  // tsc -b is incremental: a no-op when the build is current.
  const build = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      'libs/session/tsconfig.lib.json',
      'apps/sample/tsconfig.app.json',
    ],
    { cwd: root, stdio: 'inherit' },
  );
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/**
 * @typedef {object} ClusterNode
 * @property {string} name
 * @property {number} port
 * @property {number} replicationPort
 * @property {string} url
 * @property {import('node:child_process').ChildProcess} child
 * @property {boolean} ready
 * @property {boolean} exited
 * @property {string[]} log
 */

/** @type {ClusterNode[]} */
const nodes = [];
let stopping = false;

const balancer = createBalancer(
  nodePorts.map((_, i) => ({
    name: `node-${i + 1}`,
    url: `http://127.0.0.1:${nodePorts[i]}`,
    isUp: () => Boolean(nodes[i]?.ready && !nodes[i].exited),
  })),
);

/** Stops the balancer and every node, then exits. A second signal kills what is left at once. */
async function stop(code = 0) {
  if (stopping) {
    for (const node of nodes) if (!node.exited) node.child.kill('SIGKILL');
    return;
  }
  stopping = true;
  balancer.close();
  balancer.closeAllConnections();
  await Promise.all(
    nodes.map(
      (node) =>
        new Promise((resolve) => {
          if (node.exited) return resolve(undefined);
          const timer = setTimeout(() => node.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          node.child.once('exit', () => {
            clearTimeout(timer);
            resolve(undefined);
          });
          node.child.kill('SIGTERM');
        }),
    ),
  );
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop(0));
// Whatever happens to this process, no node outlives it.
process.on('exit', () => {
  for (const node of nodes) if (!node.exited) node.child.kill('SIGKILL');
});
process.on('uncaughtException', (error) => {
  console.error(error);
  void stop(1);
});

await new Promise((resolve) => {
  balancer.once('error', (error) =>
    fatal(`the balancer cannot listen on ${host}:${balancerPort}: ${error.message}`),
  );
  balancer.listen(balancerPort, host, () => resolve(undefined));
});

for (const [i, nodePort] of nodePorts.entries()) {
  const name = `node-${i + 1}`;
  const replication =
    strategy === 'replicated'
      ? {
          REPLICATION_HOST: '127.0.0.1',
          REPLICATION_PORT: String(replicationPorts[i]),
          REPLICATION_PEERS: replicationPorts
            .filter((_, j) => j !== i)
            .map((p) => `127.0.0.1:${p}`)
            .join(','),
        }
      : {};
  const child = spawn(process.execPath, [MAIN], {
    cwd: root,
    env: {
      ...env,
      ...replication,
      SESSION_STRATEGY: strategy,
      SESSION_SECRET: secret,
      NODE_NAME: name,
      HOST: '127.0.0.1',
      PORT: String(nodePort),
      // The balancer sets X-Forwarded-For/Proto; the nodes trust it (secure: 'auto' follows it).
      TRUST_PROXY: '1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  /** @type {ClusterNode} */
  const node = {
    name,
    port: nodePort,
    replicationPort: replicationPorts[i],
    url: `http://127.0.0.1:${nodePort}`,
    child,
    ready: false,
    exited: false,
    log: [],
  };
  nodes.push(node);
  forwardLines(node, child.stdout, false);
  forwardLines(node, child.stderr, true);
  child.once('exit', (code, signal) => {
    node.exited = true;
    if (stopping) return;
    if (!node.ready) {
      console.error(`start: ${name} exited (${signal ?? `code ${code}`}) before it listened:`);
      console.error(node.log.map((line) => `  ${line}`).join('\n'));
      void stop(1);
      return;
    }
    const alive = nodes.filter((other) => !other.exited).length;
    console.error(
      `${name} exited (${signal ?? `code ${code}`}); the balancer sends its requests to the ${alive} other node(s)`,
    );
    if (alive === 0) void stop(1);
  });
}

/**
 * Keeps a node's output, prints it prefixed with the node's name: everything with VERBOSE=1,
 * otherwise warnings and errors once the node is up.
 *
 * @param {ClusterNode} node
 * @param {import('node:stream').Readable | null} stream
 * @param {boolean} isStderr
 */
function forwardLines(node, stream, isStderr) {
  let pending = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (/** @type {string} */ chunk) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const raw of lines) {
      // Nest colours its logs on a terminal; the kept copy is plain.
      const line = stripVTControlCharacters(raw);
      node.log.push(line);
      if (node.log.length > 200) node.log.shift();
      if (!node.ready && line.includes('listening on')) node.ready = true;
      const notable = isStderr || /\b(WARN|ERROR)\b/.test(line);
      if (verbose || (node.ready && notable && !stopping)) console.log(`[${node.name}] ${line}`);
    }
  });
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @param {ClusterNode} node */
async function health(node) {
  try {
    const response = await fetch(`${node.url}/health`, { signal: AbortSignal.timeout(2000) });
    const body = /** @type {{ reason?: string }} */ (await response.json());
    return response.ok ? 'healthy' : `unhealthy: ${body.reason ?? response.status}`;
  } catch (error) {
    return `unhealthy: ${error instanceof Error ? error.message : String(error)}`;
  }
}

const deadline = Date.now() + READY_TIMEOUT_MS;
while (!nodes.every((node) => node.ready)) {
  if (stopping) await new Promise(() => undefined); // stop() ends the process.
  if (Date.now() > deadline) {
    const late = nodes.filter((node) => !node.ready).map((node) => node.name);
    console.error(`start: ${late.join(', ')} did not listen within ${READY_TIMEOUT_MS / 1000} s`);
    await stop(1);
  }
  await sleep(50);
}
// A replicated node serves once it has joined the others; give the cluster a moment to say so.
const healthDeadline = Date.now() + 20_000;
let states = await Promise.all(nodes.map(health));
while (states.some((state) => state !== 'healthy') && Date.now() < healthDeadline && !stopping) {
  await sleep(200);
  states = await Promise.all(nodes.map(health));
}
if (stopping) await new Promise(() => undefined);

for (const [i, node] of nodes.entries()) {
  const replication =
    strategy === 'replicated' ? `  replication 127.0.0.1:${node.replicationPort}` : '';
  console.log(
    `${node.name}  pid ${node.child.pid}  ${node.url}  ${strategy}${replication}  ${states[i]}`,
  );
}
const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
console.log(
  `Open http://${shown}:${balancerPort}  (round-robin over ${nodes.length} nodes, strategy ${strategy}${env.SESSION_SECRET ? '' : ', a secret generated for this run'}; Ctrl-C stops them all)`,
);
