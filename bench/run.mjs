#!/usr/bin/env node
// `npm run bench`: every strategy of the package against the stacks users would pick instead, in
// one run on this machine, interleaved; writes bench/results/latest.{md,json,svg}.
// `npm run bench -- --quick`: the same, short (CI proves with it that the benchmark still works;
// it writes to bench/results/tmp/ and asserts nothing about speed).
// Other options: --rounds=N --duration=S --warmup=S --connections=N --scenarios=a,b
// --extras=roundtrips,cookies,replication,scaling|none --profile=scenario,... --out=DIR
// --from=bench/results/latest.json: measure nothing, write the report again from a run's JSON.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildBench } from './lib/build.mjs';
import { THROUGHPUT_SCENARIOS } from './lib/catalog.mjs';
import {
  cookieSizes,
  redisRoundTrips,
  redisScaling,
  replicationJoinAndMemory,
  replicationLag,
} from './lib/extras.mjs';
import { RESULTS, ROOT } from './lib/paths.mjs';
import { startRedis, ScenarioUnavailableError } from './lib/processes.mjs';
import { profileScenarios } from './lib/profile.mjs';
import { writeReport } from './lib/report.mjs';
import { evaluateTargets, summarize } from './lib/summary.mjs';
import { measureScenario } from './lib/throughput.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    warmup: { type: 'string' },
    connections: { type: 'string' },
    scenarios: { type: 'string' },
    extras: { type: 'string' },
    profile: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
  },
});

const quick = args.quick;
const config = {
  quick,
  rounds: Number(args.rounds ?? (quick ? 1 : 3)),
  durationS: Number(args.duration ?? (quick ? 2 : 5)),
  warmupS: Number(args.warmup ?? (quick ? 1 : 3)),
  connections: Number(args.connections ?? 32),
  roundTripRequests: quick ? 100 : 1000,
  cookieReads: quick ? 20 : 200,
  lagDurationS: quick ? 3 : 8,
  idleProbes: quick ? 20 : 100,
  joinSizes: quick ? [10_000] : [10_000, 100_000],
  memorySessions: quick ? 10_000 : 100_000,
  scalingSizes: quick ? [1_000, 10_000] : [1_000, 10_000, 100_000, 1_000_000],
  scalingDurationS: quick ? 2 : 5,
  scalingWarmupS: quick ? 1 : 2,
};
const allExtras = ['roundtrips', 'cookies', 'replication', 'scaling'];
const extrasWanted = args.extras === 'none' ? [] : args.extras ? args.extras.split(',') : allExtras;
const scenarioIds = args.scenarios
  ? args.scenarios.split(',')
  : THROUGHPUT_SCENARIOS.map((scenario) => scenario.id);
const outDir = args.out ?? (quick ? join(RESULTS, 'tmp') : RESULTS);
const baseName = quick ? 'quick' : 'latest';

const log = (line) => process.stdout.write(`${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

/** The installed version of a package, as resolved from the repository root (or from `from`). */
function versionOf(name, from = ROOT) {
  try {
    const require = createRequire(join(from, 'package.json'));
    let dir = dirname(require.resolve(name));
    while (
      !existsSync(join(dir, 'package.json')) ||
      readJson(join(dir, 'package.json')).name !== name
    ) {
      const parent = dirname(dir);
      if (parent === dir) return null;
      dir = parent;
    }
    return readJson(join(dir, 'package.json')).version;
  } catch {
    return null;
  }
}

function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

/** Writes the report again from the JSON of an earlier run (after editing notes.md, say). */
async function rewrite(file) {
  const run = readJson(file);
  const outDir = resolve(args.out ?? dirname(file));
  const baseName = file.endsWith('quick.json') ? 'quick' : 'latest';
  // The figures are derived again from the raw rounds, so a newer report writer applies in full.
  const summary = summarize(run.rounds);
  const targets = evaluateTargets(summary, run.extras, run.status);
  const files = await writeReport({ ...run, outDir, baseName, summary, targets });
  log(`bench: wrote ${files.join(', ')} from ${file}`);
}

async function main() {
  if (args.from) return rewrite(args.from);
  log(`bench: building the library and the scenario apps (swc)`);
  buildBench();
  mkdirSync(outDir, { recursive: true });
  const redis = await startRedis();
  log(`bench: redis-server on 127.0.0.1:${redis.port} (its own, stopped at the end)`);
  const status = Object.fromEntries(scenarioIds.map((id) => [id, { state: 'ok' }]));
  const rounds = [];
  const meta = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadavgAtStart: loadavg().map((value) => Number(value.toFixed(2))),
    redis: execFileSync('redis-server', ['--version'], { encoding: 'utf8' }).trim(),
    versions: Object.fromEntries(
      [
        '@nestjs/core',
        '@nestjs/platform-express',
        '@nestjs/platform-fastify',
        'express-session',
        'connect-redis',
        'redis',
        'iron-session',
        '@fastify/secure-session',
        '@fastify/session',
        '@fastify/cookie',
        'autocannon',
        'ioredis',
        'jose',
      ].map((name) => [name, versionOf(name)]),
    ),
    config,
    command: quick ? 'npm run bench -- --quick' : 'npm run bench',
  };
  // The platforms as Nest's adapters load them.
  meta.versions.express = versionOf(
    'express',
    join(ROOT, 'node_modules', '@nestjs', 'platform-express'),
  );
  meta.versions.fastify = versionOf(
    'fastify',
    join(ROOT, 'node_modules', '@nestjs', 'platform-fastify'),
  );

  try {
    for (let round = 1; round <= config.rounds; round++) {
      log(`bench: round ${round}/${config.rounds} (${elapsed()})`);
      const results = {};
      for (const id of scenarioIds) {
        if (status[id].state !== 'ok') continue;
        try {
          results[id] = await measureScenario(id, { ...config, redisUrl: redis.url, log });
        } catch (error) {
          if (error instanceof ScenarioUnavailableError) {
            status[id] = { state: 'not available', reason: error.message };
            log(`  ${id.padEnd(26)} not available: ${error.message}`);
          } else {
            status[id] = { state: 'failed', reason: String(error.message ?? error).slice(0, 500) };
            log(`  ${id.padEnd(26)} FAILED: ${status[id].reason}`);
          }
        }
      }
      rounds.push(results);
    }

    const extras = {};
    const extraStatus = {};
    const runExtra = async (name, description, fn) => {
      if (!extrasWanted.includes(name)) return;
      log(`bench: ${description} (${elapsed()})`);
      try {
        await fn();
        extraStatus[name] = { state: 'ok' };
      } catch (error) {
        const message = String(error?.message ?? error);
        const unavailable = error instanceof ScenarioUnavailableError;
        extraStatus[name] = {
          state: unavailable ? 'not available' : 'failed',
          reason: message.slice(0, 500),
        };
        log(`  ${name}: ${unavailable ? 'not available' : 'FAILED'}: ${message.slice(0, 500)}`);
      }
    };
    const common = { redisUrl: redis.url, log };
    await runExtra('roundtrips', 'Redis round trips per request', async () => {
      extras.roundTrips = await redisRoundTrips({ ...common, requests: config.roundTripRequests });
    });
    await runExtra('cookies', 'cookie bytes per request', async () => {
      extras.cookies = await cookieSizes({ ...common, reads: config.cookieReads });
    });
    await runExtra('replication', 'replication lag under load, join time, memory', async () => {
      extras.replicationLag = await replicationLag({
        ...common,
        connections: config.connections,
        durationS: config.lagDurationS,
        idleProbes: config.idleProbes,
      });
      const joined = await replicationJoinAndMemory({
        ...common,
        joinSizes: config.joinSizes,
        memorySessions: config.memorySessions,
      });
      extras.replicationJoin = joined.join;
      extras.memory = joined.memory;
    });
    await runExtra('scaling', 'redis strategy as stored sessions grow', async () => {
      extras.redisScaling = await redisScaling({
        ...common,
        sizes: config.scalingSizes,
        connections: config.connections,
        durationS: config.scalingDurationS,
        warmupS: config.scalingWarmupS,
      });
    });

    let profiles;
    if (args.profile) {
      log(`bench: CPU profiles (${elapsed()})`);
      profiles = await profileScenarios(args.profile.split(','), {
        ...common,
        connections: config.connections,
        durationS: Math.max(config.durationS, 5),
        dir: join(outDir, 'profiles'),
      });
    }

    meta.totalSeconds = Math.round((Date.now() - started) / 1000);
    const summary = summarize(rounds);
    const targets = evaluateTargets(summary, extras, status);
    const files = await writeReport({
      outDir,
      baseName,
      meta,
      status,
      rounds,
      summary,
      extras,
      extraStatus,
      targets,
      profiles,
    });
    log(`bench: done in ${elapsed()}; wrote ${files.join(', ')}`);
    for (const t of targets) log(`  target ${t.status.padEnd(12)} ${t.name}`);
    // A scenario or measurement that broke (not one whose strategy is not in this version) fails the
    // run, so CI's --quick run proves that the benchmark works. Speed is never asserted.
    const broken = [...Object.entries(status), ...Object.entries(extraStatus)].filter(
      ([, entry]) => entry.state === 'failed',
    );
    if (broken.length > 0) {
      log(
        `bench: ${broken.length} scenario(s) or measurement(s) failed: ${broken.map(([name]) => name).join(', ')}`,
      );
      process.exitCode = 1;
    }
  } finally {
    await redis.stop();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (error) => {
    process.stderr.write(`bench failed: ${error?.stack ?? error}\n`);
    process.exit(1);
  },
);
