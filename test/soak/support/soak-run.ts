import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SampleProcess } from '../../support/sample-process.js';
import type { NodeSnapshot } from './node-metrics.js';
import { VirtualUser, type Outcome, type RequestRecord } from './virtual-user.js';

const RESULTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');

/** A fault as it happened: from its start to the moment service was back, plus a grace period. */
export interface FaultWindow {
  readonly name: string;
  readonly start: number;
  end: number;
  /** Outcomes the README documents for this fault (anything else fails the run). */
  readonly allowed: readonly Outcome[];
}

export interface SoakOptions {
  readonly strategy: string;
  readonly balancerUrl: string;
  readonly users: number;
  readonly durationMs: number;
  readonly serverSide: boolean;
  /** Runs the faults while the load goes on; pushes each window as it opens. */
  readonly faults: (windows: FaultWindow[], startedAt: number) => Promise<void>;
}

export interface SoakResult {
  readonly records: RequestRecord[];
  readonly windows: FaultWindow[];
  readonly users: VirtualUser[];
  readonly startedAt: number;
  readonly endedAt: number;
}

/** Runs `users` virtual users through the balancer for `durationMs` while the faults happen. */
export async function runSoak(options: SoakOptions): Promise<SoakResult> {
  const users = Array.from(
    { length: options.users },
    (_, i) => new VirtualUser(i, options.balancerUrl, options.serverSide),
  );
  const records: RequestRecord[] = [];
  const windows: FaultWindow[] = [];
  const startedAt = Date.now();
  // The load lasts `durationMs`, and at least 5 s past the end of the last fault (a slow restart
  // must not leave the faults without load), within a hard bound.
  let stopAt = startedAt + options.durationMs;
  const hardStop = stopAt + 120_000;
  let faultsDone = false;
  const inWindow = (
    record: { start: number; end: number },
    predicate: (w: FaultWindow) => boolean,
  ) => windows.some((w) => predicate(w) && record.start < w.end && record.end >= w.start);
  const loops = users.map(async (user) => {
    // Staggered start, then one request at a time with a short think time (0-40 ms).
    await sleep((user.index * 7) % 500);
    const staleAllowed = () =>
      inWindow({ start: Date.now(), end: Date.now() }, (w) => w.allowed.includes('stale'));
    while ((Date.now() < stopAt || !faultsDone) && Date.now() < hardStop) {
      const record = await user.step(user.nextKind(staleAllowed()), staleAllowed);
      records.push(record);
      await sleep(Math.floor(Math.random() * 40));
    }
  });
  const progress = setInterval(() => {
    const recent = records.filter((r) => r.end > Date.now() - 5000);
    const outcomes: Record<string, number> = {};
    for (const r of recent) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
    console.log(
      `${Math.round((Date.now() - startedAt) / 1000)} s: last 5 s ${JSON.stringify(outcomes)}`,
    );
  }, 5000);
  try {
    const faults = options.faults(windows, startedAt).finally(() => {
      stopAt = Math.max(stopAt, Date.now() + 5000);
      faultsDone = true;
    });
    await Promise.all([faults, ...loops]);
  } finally {
    clearInterval(progress);
  }
  return { records, windows, users, startedAt, endedAt: Date.now() };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function p99(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
}

/** The window a record falls in, if any. */
export function windowOf(record: RequestRecord, windows: readonly FaultWindow[]) {
  return windows.find((w) => record.start < w.end && record.end >= w.start);
}

export interface SoakReport {
  readonly strategy: string;
  readonly users: number;
  readonly durationS: number;
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly byKind: Record<string, number>;
  readonly outcomesOutsideFaults: Record<string, number>;
  readonly faults: {
    name: string;
    startS: number;
    endS: number;
    outcomes: Record<string, number>;
    p99BeforeMs: number | null;
    p99DuringMs: number | null;
    p99AfterMs: number | null;
  }[];
  readonly finalCheck: { users: number; nodes: number; mismatches: number };
  readonly nodes: { name: string; before: NodeSnapshot; after: NodeSnapshot }[];
  readonly examples: string[];
}

export function buildReport(
  strategy: string,
  result: SoakResult,
  finalMismatches: number,
  nodeCount: number,
  memory: { name: string; before: NodeSnapshot; after: NodeSnapshot }[],
): SoakReport {
  const { records, windows, startedAt, endedAt } = result;
  const count = (list: RequestRecord[]) =>
    list.reduce<Record<string, number>>(
      (acc, r) => ((acc[r.outcome] = (acc[r.outcome] ?? 0) + 1), acc),
      {},
    );
  const byKind = records.reduce<Record<string, number>>(
    (acc, r) => ((acc[r.kind] = (acc[r.kind] ?? 0) + 1), acc),
    {},
  );
  const outside = records.filter((r) => !windowOf(r, windows));
  const latency = (from: number, to: number) =>
    p99(records.filter((r) => r.start >= from && r.start < to).map((r) => r.end - r.start));
  const faults = windows.map((w, i) => {
    const previousEnd = i > 0 ? windows[i - 1].end : startedAt;
    const nextStart = i + 1 < windows.length ? windows[i + 1].start : endedAt;
    return {
      name: w.name,
      startS: round((w.start - startedAt) / 1000),
      endS: round((w.end - startedAt) / 1000),
      outcomes: count(records.filter((r) => windowOf(r, windows) === w)),
      p99BeforeMs: latency(previousEnd, w.start),
      p99DuringMs: latency(w.start, w.end),
      p99AfterMs: latency(w.end, nextStart),
    };
  });
  const unusual = (r: RequestRecord) => r.outcome === 'disagreement' || r.outcome === 'stale';
  const examples = [
    ...records.filter(unusual).slice(0, 8),
    ...records.filter((r) => r.outcome !== 'ok' && !unusual(r)).slice(0, 4),
  ].map((r) =>
    `${r.outcome} ${r.kind} user ${r.user} on ${r.node} at ${round((r.start - startedAt) / 1000)} s: ${r.detail ?? ''}`.slice(
      0,
      400,
    ),
  );
  return {
    strategy,
    users: result.users.length,
    durationS: round((endedAt - startedAt) / 1000),
    requests: records.length,
    requestsPerSecond: Math.round(records.length / ((endedAt - startedAt) / 1000)),
    byKind,
    outcomesOutsideFaults: count(outside),
    faults,
    finalCheck: { users: result.users.length, nodes: nodeCount, mismatches: finalMismatches },
    nodes: memory,
    examples,
  };
}

/** Prints the report and writes it to test/soak/results/<strategy>-<time>.json; returns the path. */
export function writeReport(report: SoakReport): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = join(
    RESULTS,
    `${report.strategy}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`,
  );
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  const mb = (bytes?: number) => (bytes === undefined ? '?' : `${(bytes / 1048576).toFixed(1)} MB`);
  const lines = [
    `soak ${report.strategy}: ${report.users} users, ${report.durationS} s, ${report.requests} requests (${report.requestsPerSecond}/s)`,
    `  operations: ${JSON.stringify(report.byKind)}`,
    `  outside faults: ${JSON.stringify(report.outcomesOutsideFaults)}`,
    ...report.faults.map(
      (f) =>
        `  fault "${f.name}" ${f.startS}-${f.endS} s: ${JSON.stringify(f.outcomes)}; p99 before/during/after ${f.p99BeforeMs}/${f.p99DuringMs}/${f.p99AfterMs} ms`,
    ),
    `  final check: ${report.finalCheck.users} users read on ${report.finalCheck.nodes} nodes each, ${report.finalCheck.mismatches} mismatches`,
    ...report.nodes.map(
      (n) =>
        `  ${n.name}: heap after GC ${mb(n.before.heapUsedBytes)} -> ${mb(n.after.heapUsedBytes)}, RSS ${mb(n.before.rssBytes)} -> ${mb(n.after.rssBytes)}, fds ${n.before.fds} -> ${n.after.fds}, sockets ${n.before.sockets} -> ${n.after.sockets}`,
    ),
    ...report.examples.map((e) => `  e.g. ${e}`),
    `  report: ${file}`,
  ];
  console.log(lines.join('\n'));
  return file;
}

/** Unhandled rejections and uncaught exceptions a node printed. */
export function crashLines(node: SampleProcess): string[] {
  return node.log
    .split('\n')
    .filter((line) =>
      /unhandled ?rejection|uncaught ?exception|UnhandledPromiseRejection/i.test(line),
    );
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
