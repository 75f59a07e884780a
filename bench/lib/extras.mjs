// The measurements besides throughput: Redis round trips, cookie sizes, replication (lag, join,
// memory) and the redis strategy's scaling with the number of stored sessions.
import { Redis } from 'ioredis';
import { cookieHeader, keepAliveAgent, request } from './http.mjs';
import { runLoad } from './load.mjs';
import { freePort, startScenario } from './processes.mjs';
import { createSessions, startScenarioSet, waitReady } from './throughput.mjs';

const HARNESS_COMMANDS = new Set([
  'config',
  'info',
  'flushall',
  'dbsize',
  'ping',
  'client',
  'hello',
]);

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export function redisAdmin(url) {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
}

/** `INFO commandstats` as { command: calls }, the harness's own commands left out. */
async function commandCounts(admin) {
  const text = await admin.info('commandstats');
  const counts = {};
  for (const match of text.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    // Redis 7 names subcommands `config|resetstat`.
    const command = match[1].toLowerCase();
    if (!HARNESS_COMMANDS.has(command.split('|')[0])) counts[command] = Number(match[2]);
  }
  return counts;
}

/**
 * Counts what clients send (round trips), with MONITOR: commands a Lua script runs inside Redis
 * are reported with the source `lua` and are not round trips.
 */
async function startMonitor(url) {
  const client = redisAdmin(url);
  const monitor = await client.monitor();
  let sent = 0;
  monitor.on('monitor', (_time, commandArgs, source) => {
    const command = String(commandArgs[0] ?? '').toLowerCase();
    if (source !== 'lua' && !HARNESS_COMMANDS.has(command)) sent++;
  });
  return {
    /** Client-sent commands so far, once the monitor has seen everything sent before this call. */
    async count() {
      await client.ping();
      await new Promise((resolve) => setTimeout(resolve, 50));
      return sent;
    },
    stop() {
      monitor.disconnect();
      client.disconnect();
    },
  };
}

/**
 * Redis commands per request, for each phase: a read of an existing session, a write, a route that
 * does not use the session (the cookie is sent all the same). Sequential requests on one
 * connection. `perRequest`: `INFO commandstats` after `CONFIG RESETSTAT` (commands executed,
 * including those a script runs); `roundTrips`: commands the app sent (MONITOR).
 */
export async function redisRoundTrips({ redisUrl, requests, log }) {
  const admin = redisAdmin(redisUrl);
  const monitor = await startMonitor(redisUrl);
  const out = {};
  try {
    for (const id of [
      'express-ours-redis',
      'express-session-redis',
      'fastify-ours-redis',
      'fastify-session-redis',
    ]) {
      const server = await startScenario(id, { env: { BENCH_REDIS_URL: redisUrl } });
      try {
        const agent = keepAliveAgent();
        const [cookie] = await createSessions(server.url, 1);
        const phases = [
          ['read: GET /counter', 'GET', '/counter'],
          ['write: POST /counter', 'POST', '/counter'],
          ['untouched: GET /ping', 'GET', '/ping'],
        ];
        out[id] = {};
        for (const [phase, method, path] of phases) {
          await admin.config('RESETSTAT');
          const sentBefore = await monitor.count();
          let setCookies = 0;
          for (let i = 0; i < requests; i++) {
            const response = await request(`${server.url}${path}`, { method, cookie, agent });
            if (response.status !== 200)
              throw new Error(`${id} ${method} ${path}: ${response.status}`);
            if (response.setCookies.length > 0) setCookies++;
          }
          const roundTrips = ((await monitor.count()) - sentBefore) / requests;
          const counts = await commandCounts(admin);
          const perRequest = Object.fromEntries(
            Object.entries(counts).map(([command, calls]) => [command, calls / requests]),
          );
          const total = Object.values(perRequest).reduce((sum, value) => sum + value, 0);
          out[id][phase] = {
            requests,
            roundTrips,
            perRequest,
            total,
            setCookieResponses: setCookies,
          };
          log?.(
            `  ${id} ${phase}: ${roundTrips.toFixed(2)} round trips, ${total.toFixed(2)} commands/request ${JSON.stringify(perRequest)}`,
          );
        }
        agent.destroy();
      } finally {
        await server.stop();
      }
    }
  } finally {
    monitor.stop();
    admin.disconnect();
  }
  return out;
}

function byteLength(text) {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Cookie bytes for a small session ({counter: 1}) and a 1 KB one, and whether a read re-seals:
 * `cookieHeader` is what the client sends back on every request (the `Cookie` header value),
 * `setCookie` the `Set-Cookie` header(s) of the write that produced it.
 */
export async function cookieSizes({ redisUrl, reads, log }) {
  const scenarios = [
    'express-ours-cookie',
    'fastify-ours-cookie',
    'express-iron-session',
    'fastify-secure-session',
    'express-ours-memory',
    'express-session-memory',
  ];
  const out = {};
  for (const id of scenarios) {
    const server = await startScenario(id, { env: { BENCH_REDIS_URL: redisUrl } });
    try {
      const agent = keepAliveAgent();
      const created = await request(`${server.url}/counter`, { method: 'POST', agent });
      const small = cookieHeader(created.setCookies);
      const blobWrite = await request(`${server.url}/blob`, {
        method: 'POST',
        cookie: small,
        agent,
      });
      const large = cookieHeader(blobWrite.setCookies) || small;
      const sealsBefore = (await request(`${server.url}/bench/stats`, { agent })).json
        ?.cookieCounters?.seals;
      let readSetCookies = 0;
      for (let i = 0; i < reads; i++) {
        for (const cookie of [small, large]) {
          const read = await request(`${server.url}/counter`, { cookie, agent });
          if (read.status !== 200) throw new Error(`${id} GET /counter: ${read.status}`);
          if (read.setCookies.length > 0) readSetCookies++;
        }
      }
      const sealsAfter = (await request(`${server.url}/bench/stats`, { agent })).json
        ?.cookieCounters?.seals;
      out[id] = {
        small: {
          cookieHeader: byteLength(small),
          setCookie: created.setCookies.reduce((sum, header) => sum + byteLength(header), 0),
          cookies: created.setCookies.length,
        },
        large: {
          cookieHeader: byteLength(large),
          setCookie: blobWrite.setCookies.reduce((sum, header) => sum + byteLength(header), 0),
          cookies: blobWrite.setCookies.length,
        },
        reads: reads * 2,
        readsWithSetCookie: readSetCookies,
        sealsDuringReads:
          typeof sealsBefore === 'number' && typeof sealsAfter === 'number'
            ? sealsAfter - sealsBefore
            : null,
      };
      log?.(`  ${id}: ${JSON.stringify(out[id])}`);
      agent.destroy();
    } finally {
      await server.stop();
    }
  }
  return out;
}

/**
 * Replication lag under load: while autocannon drives POST /counter on node A (the benchmark's
 * connections), probes write a value on A and a peer reports when it sees it. From the moment A's
 * store starts to commit the probe to the moment the peer's store has it, on the machine's
 * monotonic clock, which every process shares.
 */
export async function replicationLag({ redisUrl, connections, durationS, idleProbes, log }) {
  const set = await startScenarioSet('express-ours-replicated', { redisUrl });
  try {
    const [peerB, peerC] = set.peers;
    const url = set.server.url;
    const cookies = await createSessions(url, connections);
    const probeAgent = keepAliveAgent();
    const watchAgents = [keepAliveAgent(), keepAliveAgent()];
    const created = await request(`${url}/probe?seq=0`, { method: 'POST', agent: probeAgent });
    const probeCookie = cookieHeader(created.setCookies);
    const probeId = created.json.id;
    let seq = 0;
    const probe = async () => {
      seq++;
      const peer = seq % 2 === 0 ? peerB : peerC;
      const agent = watchAgents[seq % 2];
      await request(`${peer.url}/bench/watch?id=${probeId}&seq=${seq}`, { method: 'POST', agent });
      const written = await request(`${url}/probe?seq=${seq}`, {
        method: 'POST',
        cookie: probeCookie,
        agent: probeAgent,
      });
      const seen = await request(`${peer.url}/bench/watch?seq=${seq}`, { agent });
      const committed = await request(`${url}/bench/probe-commit?seq=${seq}`, {
        agent: probeAgent,
      });
      const from = committed.json?.t;
      if (written.status !== 200 || seen.json?.t == null || from == null) return null;
      return (seen.json.t - from) / 1000;
    };
    const summarize = (lags) => {
      const ok = lags.filter((lag) => lag !== null).sort((a, b) => a - b);
      return {
        probes: lags.length,
        lost: lags.length - ok.length,
        p50: percentile(ok, 50),
        p99: percentile(ok, 99),
        max: ok.at(-1) ?? null,
      };
    };
    await runLoad({ url, method: 'POST', cookies, connections, durationS: 2 }); // warm-up
    const idle = [];
    for (let i = 0; i < idleProbes; i++) idle.push(await probe());
    const underLoad = [];
    let loadDone = false;
    const load = runLoad({ url, method: 'POST', cookies, connections, durationS }).finally(
      () => (loadDone = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    while (!loadDone) {
      underLoad.push(await probe());
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const loadResult = await load;
    // The last probes may have overlapped the end of the load: keep the ones within it.
    const result = {
      idle: summarize(idle),
      underLoad: { ...summarize(underLoad), loadRps: loadResult.rps, connections },
    };
    log?.(`  replication lag: ${JSON.stringify(result)}`);
    probeAgent.destroy();
    watchAgents.forEach((agent) => agent.destroy());
    return result;
  } finally {
    await set.stop();
  }
}

async function gcStats(url) {
  const { json } = await request(`${url}/bench/gc`, { method: 'POST', timeoutMs: 60_000 });
  return json;
}

async function fill(url, n, bytes = 200) {
  const { json, status, body } = await request(`${url}/bench/fill?n=${n}&bytes=${bytes}`, {
    method: 'POST',
    timeoutMs: 15 * 60_000,
  });
  if (status !== 200) throw new Error(`fill ${n}: ${status} ${body.slice(0, 200)}`);
  return json;
}

/** Resident memory added by `count` sessions of ~200 bytes, after a full GC, per 100,000 sessions. */
async function memoryDelta(url, count) {
  const before = await gcStats(url);
  const filled = await fill(url, count);
  const after = await gcStats(url);
  const scale = 100_000 / count;
  return {
    sessions: count,
    fillMs: filled.ms,
    rssPer100kMiB: ((after.rss - before.rss) * scale) / 2 ** 20,
    heapPer100kMiB: ((after.heapUsed - before.heapUsed) * scale) / 2 ** 20,
    rssAfterMiB: after.rss / 2 ** 20,
  };
}

/**
 * Replicated: time for a new node to join a cluster holding N sessions (from the start of its
 * bootstrap to holding every session and serving), and resident memory per 100,000 sessions on the
 * node that wrote them and on a node that received them; memory strategy for comparison.
 */
export async function replicationJoinAndMemory({ redisUrl, joinSizes, memorySessions, log }) {
  const gcArgs = ['--expose-gc'];
  const out = { join: [], memory: {} };

  const memoryNode = await startScenario('express-ours-memory', {
    env: { BENCH_REDIS_URL: redisUrl, BENCH_MEMORY_MAX_SESSIONS: String(memorySessions * 2) },
    nodeArgs: gcArgs,
  });
  try {
    out.memory.memory = await memoryDelta(memoryNode.url, memorySessions);
    log?.(`  memory strategy: ${JSON.stringify(out.memory.memory)}`);
  } finally {
    await memoryNode.stop();
  }

  const seedPort = await freePort();
  const seed = await startScenario('express-ours-replicated', {
    env: {
      BENCH_REDIS_URL: redisUrl,
      BENCH_REPLICATION_PORT: String(seedPort),
      BENCH_REPLICATION_PEERS: '',
    },
    nodeArgs: gcArgs,
  });
  const joiners = [];
  try {
    await waitReady(seed.url);
    const join = async (sessions) => {
      const port = await freePort();
      const node = await startScenario('express-ours-replicated', {
        env: {
          BENCH_REDIS_URL: redisUrl,
          BENCH_REPLICATION_PORT: String(port),
          BENCH_REPLICATION_PEERS: `127.0.0.1:${seedPort}`,
        },
        nodeArgs: gcArgs,
      });
      joiners.push(node);
      const stats = await waitReady(node.url, { sessions, timeoutMs: 5 * 60_000 });
      return { node, sessions, joinMs: stats.readyAfterMs };
    };
    // A node joining an empty cluster: the fixed cost (boot, handshake) that every join includes.
    const empty = await join(0);
    out.join.push({ sessions: 0, joinMs: empty.joinMs });
    const emptyPeerMemory = await gcStats(empty.node.url);
    await empty.node.stop();

    const seedBefore = await gcStats(seed.url);
    let stored = 0;
    let lastJoiner;
    for (const size of joinSizes) {
      await fill(seed.url, size - stored);
      stored = size;
      const joined = await join(size);
      out.join.push({ sessions: size, joinMs: joined.joinMs });
      log?.(`  join ${size} sessions: ${joined.joinMs.toFixed(0)} ms`);
      if (lastJoiner) await lastJoiner.stop();
      lastJoiner = joined.node;
    }
    // Memory with `memorySessions` sessions stored: top up the seed if the join sizes stopped short.
    if (stored < memorySessions) {
      await fill(seed.url, memorySessions - stored);
      stored = memorySessions;
    }
    const seedAfter = await gcStats(seed.url);
    const scale = 100_000 / stored;
    out.memory.replicatedWriter = {
      sessions: stored,
      rssPer100kMiB: ((seedAfter.rss - seedBefore.rss) * scale) / 2 ** 20,
      heapPer100kMiB: ((seedAfter.heapUsed - seedBefore.heapUsed) * scale) / 2 ** 20,
    };
    if (lastJoiner && stored === joinSizes.at(-1)) {
      const peerAfter = await gcStats(lastJoiner.url);
      out.memory.replicatedPeer = {
        sessions: stored,
        rssPer100kMiB: ((peerAfter.rss - emptyPeerMemory.rss) * scale) / 2 ** 20,
        heapPer100kMiB: ((peerAfter.heapUsed - emptyPeerMemory.heapUsed) * scale) / 2 ** 20,
      };
    }
    log?.(`  replicated memory: ${JSON.stringify(out.memory)}`);
  } finally {
    await Promise.all([seed.stop(), ...joiners.map((node) => node.stop())]);
  }
  return out;
}

/**
 * Copies one session the strategy stored (DUMP) into `count` more keys of the same format
 * (RESTORE, in a script, in chunks so that Redis stays responsive): a million sessions in seconds
 * instead of minutes of single writes, byte for byte what the strategy writes.
 */
async function cloneSessions(admin, template, count, startAt) {
  const [prefix, suffix] = template.key.split(template.id);
  const script = `
    local first, last = tonumber(ARGV[1]), tonumber(ARGV[2])
    for i = first, last do
      redis.call('RESTORE', ARGV[3] .. string.format('%032d', i) .. ARGV[4], ARGV[5], ARGV[6], 'REPLACE')
    end
    return last - first + 1`;
  const chunk = 50_000;
  for (let first = startAt; first < startAt + count; first += chunk) {
    const last = Math.min(startAt + count, first + chunk) - 1;
    await admin.eval(script, 0, first, last, prefix, suffix, template.ttlMs, template.dump);
  }
}

/** The redis strategy's GET req/s as the number of stored sessions grows. */
export async function redisScaling({ redisUrl, sizes, connections, durationS, warmupS, log }) {
  const admin = redisAdmin(redisUrl);
  await admin.flushall();
  const server = await startScenario('express-ours-redis', { env: { BENCH_REDIS_URL: redisUrl } });
  const out = [];
  try {
    const cookies = await createSessions(server.url, connections);
    // One ~200-byte session written by the strategy itself: the template of the others.
    const { firstId } = await fill(server.url, 1);
    const [key] = await admin.keys(`*${firstId}*`);
    const template = {
      id: firstId,
      key,
      dump: await admin.dumpBuffer(key),
      ttlMs: Math.max(await admin.pttl(key), 3_600_000),
    };
    let stored = connections + 1;
    for (const size of sizes) {
      if (size > stored) {
        const started = Date.now();
        await cloneSessions(admin, template, size - stored, stored);
        log?.(`  stored ${size} sessions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        stored = size;
      }
      const keys = await admin.dbsize();
      const usedMemory = /used_memory:(\d+)/.exec(await admin.info('memory'))?.[1];
      const load = { url: server.url, method: 'GET', cookies, connections };
      // The first level also warms the JIT up: it gets a longer warm-up.
      const warm = out.length === 0 ? warmupS + 2 : warmupS;
      if (warm > 0) await runLoad({ ...load, durationS: warm });
      const result = await runLoad({ ...load, durationS });
      out.push({ sessions: size, keys, redisUsedMiB: Number(usedMemory) / 2 ** 20, ...result });
      log?.(
        `  ${size} sessions (${keys} keys): ${result.rps.toFixed(0)} req/s p99 ${result.p99} ms`,
      );
    }
  } finally {
    await server.stop();
    await admin.flushall();
    admin.disconnect();
  }
  return out;
}
