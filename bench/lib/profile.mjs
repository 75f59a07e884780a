// CPU profiles of scenario servers under load (`node --cpu-prof`), summarised: where the server's
// busy time goes by package, and the package's own functions by self and inclusive time.
import { mkdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { runLoad } from './load.mjs';
import { ROOT } from './paths.mjs';

const nowUs = () => Number(process.hrtime.bigint() / 1000n);
import { createSessions, startScenarioSet } from './throughput.mjs';

const IDLE = new Set(['(idle)']);

function categoryOf(url, functionName) {
  if (!url) {
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)') return 'program (native)';
    if (IDLE.has(functionName)) return 'idle';
    return 'native';
  }
  if (url.startsWith('node:')) return 'node core';
  if (url.includes('/libs/session/')) return 'this package';
  if (url.includes('/dist/bench/')) return 'scenario app';
  const match = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  return match ? match[1] : 'other';
}

function where(url) {
  const path = url.replace(/^file:\/\//, '');
  return path.startsWith(ROOT) ? relative(ROOT, path) : path;
}

/**
 * Self and inclusive time of a .cpuprofile, by category and by this package's functions. With a
 * `window` ({ startUs, endUs } on the monotonic clock, which V8's profile timestamps use), only the
 * samples taken within it count.
 */
export function summarizeProfile(file, window, requests) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  let timestamp = profile.startTime;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    timestamp += delta;
    if (window && (timestamp < window.startUs || timestamp > window.endUs)) return;
    self.set(id, (self.get(id) ?? 0) + delta);
  });
  let total = 0;
  let idle = 0;
  const categories = {};
  const functions = new Map();
  const keyOf = (node) => {
    const { url, functionName, lineNumber } = node.callFrame;
    return `${where(url)}:${lineNumber + 1} ${functionName || '(anonymous)'}`;
  };
  // Inclusive time: each function counted once per stack (recursion is not counted twice).
  const visit = (node, onStack) => {
    const own = self.get(node.id) ?? 0;
    const category = categoryOf(node.callFrame.url, node.callFrame.functionName);
    total += own;
    if (category === 'idle') idle += own;
    categories[category] = (categories[category] ?? 0) + own;
    const key = category === 'this package' ? keyOf(node) : null;
    let inclusive = own;
    const stack = key && !onStack.has(key) ? new Set(onStack).add(key) : onStack;
    for (const childId of node.children ?? []) inclusive += visit(nodes.get(childId), stack);
    if (key) {
      const entry = functions.get(key) ?? { self: 0, inclusive: 0 };
      entry.self += own;
      if (!onStack.has(key)) entry.inclusive += inclusive;
      functions.set(key, entry);
    }
    return inclusive;
  };
  visit(profile.nodes[0], new Set());
  const busy = total - idle;
  const share = (us) => Number(((100 * us) / busy).toFixed(1));
  return {
    file: where(file),
    busyMs: Math.round(busy / 1000),
    idleMs: Math.round(idle / 1000),
    cpuUsPerRequest: requests ? Number((busy / requests).toFixed(1)) : null,
    byCategory: Object.fromEntries(
      Object.entries(categories)
        .filter(([name, us]) => name !== 'idle' && us / busy >= 0.001)
        .sort((a, b) => b[1] - a[1])
        .map(([name, us]) => [name, share(us)]),
    ),
    packageFunctions: [...functions.entries()]
      .map(([name, entry]) => ({
        name,
        selfPct: share(entry.self),
        inclusivePct: share(entry.inclusive),
      }))
      .sort((a, b) => b.inclusivePct - a.inclusivePct)
      .slice(0, 15),
  };
}

/** Profiles each scenario once per method (GET, POST), under the benchmark's load. */
export async function profileScenarios(ids, { redisUrl, connections, durationS, dir, log }) {
  mkdirSync(dir, { recursive: true });
  const out = {};
  for (const id of ids) {
    out[id] = {};
    for (const method of ['GET', 'POST']) {
      const name = `${id}-${method}.cpuprofile`;
      const set = await startScenarioSet(id, {
        redisUrl,
        env: { BENCH_PROFILE: '1' },
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${name}`],
      });
      let result;
      try {
        const cookies = await createSessions(set.server.url, connections);
        for (const warm of ['GET', 'POST']) {
          await runLoad({ url: set.server.url, method: warm, cookies, connections, durationS: 2 });
        }
        const startUs = nowUs();
        result = await runLoad({ url: set.server.url, method, cookies, connections, durationS });
        result.window = { startUs, endUs: nowUs() };
      } finally {
        await set.stop();
      }
      const summary = summarizeProfile(join(dir, name), result.window, result.requests);
      out[id][method] = { rps: result.rps, ...summary };
      const categories = Object.entries(summary.byCategory)
        .slice(0, 10)
        .map(([category, pct]) => `${category} ${pct}%`)
        .join(', ');
      log?.(
        `  ${id} ${method}: ${result.rps.toFixed(0)} req/s, server CPU ${summary.cpuUsPerRequest} us/request; ${categories}`,
      );
      for (const fn of summary.packageFunctions.slice(0, 6)) {
        log?.(`    ${fn.inclusivePct}% incl, ${fn.selfPct}% self  ${fn.name}`);
      }
    }
  }
  return out;
}
