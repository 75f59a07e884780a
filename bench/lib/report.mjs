// Writes the report: <base>.json (everything measured), <base>.md (for people), <base>.svg (the
// chart); for a full run also docs/readme/performance.md, the README's performance section.
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BY_ID, labelOf, THROUGHPUT_SCENARIOS } from './catalog.mjs';
import { renderChart } from './chart.mjs';
import { ROOT } from './paths.mjs';

const int = (value) =>
  value === null || value === undefined ? '–' : Math.round(value).toLocaleString('en-US');
const fixed = (value, digits = 2) =>
  value === null || value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits);
const ms = (value) =>
  value === null || value === undefined ? '–' : value < 10 ? value.toFixed(2) : value.toFixed(1);
const spread = (range, format = int) => (range ? `${format(range[0])}–${format(range[1])}` : '');

function table(header, rows) {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map((cell) => (/^(scenario|target|phase|what|platform|status|reference|function|package)/i.test(cell) ? '---' : '---:')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function statusCell(status, id) {
  const state = status[id]?.state;
  return state && state !== 'ok' ? state : null;
}

export function throughputTable(summary, status, method, { compact = false } = {}) {
  const rows = [];
  for (const scenario of THROUGHPUT_SCENARIOS) {
    if (!(scenario.id in status)) continue;
    const platform = scenario.platform === 'express' ? 'Express' : 'Fastify';
    const entry = summary[scenario.id]?.[method];
    const unavailable = statusCell(status, scenario.id);
    if (!entry) {
      rows.push([platform, scenario.label, unavailable ?? 'not measured', '', '', '', '', '', '']);
      continue;
    }
    const reference = scenario.reference
      ? `${fixed(entry.ratioReference)}× ${BY_ID[scenario.reference].label}`
      : '';
    rows.push([
      platform,
      scenario.ours ? `**${scenario.label}**` : scenario.label,
      compact ? int(entry.rps) : `${int(entry.rps)} (${spread(entry.rpsRange)})`,
      `${fixed(entry.p50, 0)} / ${fixed(entry.p99, 0)}`,
      fixed(entry.ratioCeiling),
      scenario.ceiling ? '0' : int(entry.addedUs),
      entry.cpuUsPerRequest === null
        ? '–'
        : `${int(entry.cpuUsPerRequest)}${scenario.ceiling ? '' : ` (+${int(entry.addedCpuUs)})`}`,
      reference,
      entry.problems ? String(entry.problems) : '0',
    ]);
  }
  return table(
    [
      'platform',
      'scenario',
      compact ? 'req/s' : 'req/s median (min–max)',
      'p50 / p99 ms',
      '× ceiling',
      'added µs/req',
      'server CPU µs/req (added)',
      'reference: ratio of req/s',
      'errors',
    ],
    rows,
  );
}

export function targetsTable(targets) {
  return table(
    ['target', 'measured (median)', 'status', 'rounds that meet it'],
    targets.map((t) => [
      t.name,
      t.value === null
        ? (t.detail ?? '–')
        : `${fixed(t.value, t.unit === 'µs' ? 0 : 2)}${t.unit ? ` ${t.unit}` : ''}`,
      t.status === 'met' ? '**met**' : t.status === 'missed' ? '**missed**' : t.status,
      t.rounds ? `${t.roundsMet} of ${t.rounds}` : '',
    ]),
  );
}

function roundTripsSection(roundTrips) {
  if (!roundTrips) return '_Not measured in this run._';
  const rows = [];
  for (const [id, phases] of Object.entries(roundTrips)) {
    for (const [phase, entry] of Object.entries(phases)) {
      const commands = Object.entries(entry.perRequest)
        .filter(([, value]) => value > 0)
        .map(([command, value]) => `${command.toUpperCase()} ${fixed(value)}`)
        .join(', ');
      rows.push([
        labelOf(id),
        phase,
        fixed(entry.roundTrips),
        fixed(entry.total),
        commands || 'none',
        `${entry.setCookieResponses}/${entry.requests}`,
      ]);
    }
  }
  return [
    '"Round trips" are the commands the app sent (counted with `MONITOR`); "commands executed" are `INFO commandstats` counts after `CONFIG RESETSTAT`, which include the commands a Lua script runs inside Redis in the same round trip.',
    table(
      [
        'scenario',
        'phase',
        'round trips/request',
        'commands executed/request',
        'commands executed, by name',
        'responses with Set-Cookie',
      ],
      rows,
    ),
  ].join('\n\n');
}

function cookiesSection(cookies) {
  if (!cookies) return '_Not measured in this run._';
  return table(
    [
      'scenario',
      'small session: Cookie header, bytes',
      'small: Set-Cookie on write',
      '1 KB session: Cookie header',
      '1 KB: Set-Cookie on write',
      'reads answered with Set-Cookie',
      'seals during reads',
    ],
    Object.entries(cookies).map(([id, entry]) => [
      labelOf(id),
      int(entry.small.cookieHeader),
      `${int(entry.small.setCookie)}${entry.small.cookies > 1 ? ` (${entry.small.cookies} cookies)` : ''}`,
      int(entry.large.cookieHeader),
      `${int(entry.large.setCookie)}${entry.large.cookies > 1 ? ` (${entry.large.cookies} cookies)` : ''}`,
      `${entry.readsWithSetCookie}/${entry.reads}`,
      entry.sealsDuringReads === null ? 'n/a' : String(entry.sealsDuringReads),
    ]),
  );
}

function replicationSection(extras, extraStatus) {
  if (!extras.replicationLag && !extras.replicationJoin) {
    const state = extraStatus.replication;
    return state ? `_${state.state}: ${state.reason}_` : '_Not measured in this run._';
  }
  const parts = [];
  const lag = extras.replicationLag;
  if (lag) {
    parts.push(
      table(
        ['what', 'probes', 'p50 ms', 'p99 ms', 'max ms', 'lost'],
        [
          [
            'idle',
            lag.idle.probes,
            ms(lag.idle.p50),
            ms(lag.idle.p99),
            ms(lag.idle.max),
            lag.idle.lost,
          ],
          [
            `under load (POST /counter on the serving node, ${lag.underLoad.connections} connections, ${int(lag.underLoad.loadRps)} req/s)`,
            lag.underLoad.probes,
            ms(lag.underLoad.p50),
            ms(lag.underLoad.p99),
            ms(lag.underLoad.max),
            lag.underLoad.lost,
          ],
        ],
      ),
    );
  }
  if (extras.replicationJoin) {
    parts.push(
      table(
        ['what', 'sessions', 'time to join, ms'],
        extras.replicationJoin.map((entry) => [
          entry.sessions === 0
            ? 'a node joins an empty cluster (fixed cost: boot, handshake)'
            : 'a node joins',
          int(entry.sessions),
          int(entry.joinMs),
        ]),
      ),
    );
  }
  if (extras.memory) {
    const rows = [];
    const add = (what, entry) =>
      entry &&
      rows.push([
        what,
        int(entry.sessions),
        fixed(entry.rssPer100kMiB, 1),
        fixed(entry.heapPer100kMiB, 1),
      ]);
    add('memory strategy', extras.memory.memory);
    add('replicated: the node that wrote them', extras.memory.replicatedWriter);
    add('replicated: a peer that received them (state transfer)', extras.memory.replicatedPeer);
    parts.push(
      table(['what', 'sessions stored', 'RSS MiB per 100,000', 'JS heap MiB per 100,000'], rows),
    );
  }
  return parts.join('\n\n');
}

function scalingSection(scaling) {
  if (!scaling) return '_Not measured in this run._';
  const first = scaling[0]?.rps;
  return table(
    [
      'sessions stored',
      'keys in Redis',
      'Redis used MiB',
      'GET req/s',
      'ratio to the first',
      'p99 ms',
    ],
    scaling.map((entry) => [
      int(entry.sessions),
      int(entry.keys),
      fixed(entry.redisUsedMiB, 0),
      int(entry.rps),
      fixed(entry.rps / first),
      fixed(entry.p99, 0),
    ]),
  );
}

function profilesSection(profiles) {
  if (!profiles) return null;
  const parts = [];
  for (const [id, methods] of Object.entries(profiles)) {
    for (const [method, entry] of Object.entries(methods)) {
      const categories = Object.entries(entry.byCategory)
        .slice(0, 8)
        .map(([name, pct]) => `${name} ${pct} %`)
        .join(', ');
      parts.push(
        `**${labelOf(id)}, ${method}** (${int(entry.rps)} req/s while profiled; busy ${entry.busyMs} ms, idle ${entry.idleMs} ms): ${categories}.`,
      );
      parts.push(
        table(
          ['function (this package)', 'inclusive %', 'self %'],
          entry.packageFunctions
            .slice(0, 8)
            .map((fn) => [`\`${fn.name}\``, fixed(fn.inclusivePct, 1), fixed(fn.selfPct, 1)]),
        ),
      );
    }
  }
  return parts.join('\n\n');
}

function unavailableList(status) {
  const lines = Object.entries(status)
    .filter(([, entry]) => entry.state !== 'ok')
    .map(([id, entry]) => `- ${labelOf(id)}: ${entry.state} (${entry.reason})`);
  return lines.length ? `\n${lines.join('\n')}\n` : '';
}

function methodText(meta) {
  const c = meta.config;
  return [
    `Each scenario is a minimal Nest app (NODE_ENV=production, Nest logger errors and warnings only) in its own process on 127.0.0.1, started fresh for every round; autocannon (programmatic) runs in the runner's process. Every app serves \`GET /counter\` (reads a number from the session) and \`POST /counter\` (increments it). Before the load, the runner opens ${c.connections} sessions with one \`POST /counter\` each and gives one to each of the ${c.connections} connections (pipelining 1), which sends that cookie on every request and never updates it (so a cookie session's POST always unseals \`{counter: 1}\` and seals \`{counter: 2}\`).`,
    `Per round and scenario: a warm-up of ${c.warmupS} s of GET and ${c.warmupS} s of POST (discarded), then ${c.durationS} s of GET and ${c.durationS} s of POST measured; ${c.rounds} interleaved round(s) in the order of the tables. req/s = autocannon's average; p50/p99 = autocannon's latency percentiles (whole milliseconds). Ratios and "added µs/req" (1e6/req·s − 1e6/ceiling req·s) are computed within each round against the same platform's no-session app, then the median over rounds is taken; the min–max in brackets is the spread over rounds. "Server CPU µs/req" is the CPU time (user + system, from /proc) the serving process used during the measured run divided by the requests it answered, and in brackets what it adds to the ceiling's in the same round: unlike req/s it hardly moves when other processes compete for the cores (it leaves out Redis's own CPU time).`,
    `Redis: a redis-server the benchmark starts on a free loopback port without persistence and stops at the end; "round trips" are \`INFO commandstats\` counts after \`CONFIG RESETSTAT\`, over ${c.roundTripRequests} sequential requests per phase on one keep-alive connection, with one existing session. Competitors as their documentation sets them up: express-session with \`resave: false, saveUninitialized: false\`; connect-redis ${meta.versions['connect-redis']} with the \`redis\` client it supports (node-redis ${meta.versions.redis}); iron-session with its defaults; @fastify/secure-session with a secret and a salt; @fastify/session with connect-redis, \`saveUninitialized: false\` and \`cookie.secure: false\` (plain HTTP), its other options default (rolling). This package: \`SessionModule.forRoot({ strategy, secret })\` with its defaults, built with swc from the sources and imported by its package name (the npm workspace resolves it to \`libs/session/dist\`).`,
    `Replicated: three nodes on loopback (encrypted frames, default \`ack-all\` consistency), the load on one. Lag: a probe writes a value on the serving node while a peer polls its own copy; the lag runs from the moment the serving node's store starts to commit the probe to the moment the peer's store returns it, both on the machine's monotonic clock; probes alternate between the two peers, one at a time, about every 10 ms, during the load. Join: a new node started with the seed as its only peer, timed from the start of its bootstrap until it holds every session and serves. Memory: RSS and JS heap after a full GC (\`--expose-gc\`), before and after storing sessions of about 200 bytes (two keys) through the store, scaled to 100,000.`,
  ].join('\n\n');
}

function markdown({ meta, status, summary, extras, extraStatus, targets, profiles, svgName }) {
  const versions = Object.entries(meta.versions)
    .filter(([, version]) => version)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const sections = [
    `# Benchmark results`,
    `\`${meta.command}\`, ${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${meta.totalSeconds} s. Machine: ${meta.cpus}, ${meta.memoryGiB} GiB, Node ${meta.node}, ${meta.redis.split(' ').slice(0, 3).join(' ')}; load average at start ${meta.loadavgAtStart.join(' / ')}. Server, load generator and Redis share the machine's cores. Absolute figures belong to this machine; compare the ratios, which are measured within the same round.`,
    `Versions: ${versions}.`,
    `## Targets`,
    targetsTable(targets),
    `## Throughput`,
    `![req/s per scenario](${svgName})`,
    `### GET /counter (read)`,
    throughputTable(summary, status, 'GET'),
    `### POST /counter (write)`,
    throughputTable(summary, status, 'POST') + unavailableList(status),
    `## Redis round trips per request`,
    roundTripsSection(extras.roundTrips),
    `## Cookie bytes per request`,
    `"Cookie header" is what the client sends on every request (\`name=value\` pairs); "Set-Cookie" the header(s) of the write that produced it. Small session: \`{counter: 1}\`; 1 KB session: the same plus a 1,024-character string that does not compress. Store-backed rows are for reference (they carry only an id).`,
    cookiesSection(extras.cookies),
    `## Replicated strategy`,
    replicationSection(extras, extraStatus),
    `## Redis strategy as stored sessions grow`,
    `GET req/s on Express with the benchmark's connections (each reading its own session), as Redis holds more sessions: one session of about 200 bytes is written by the strategy's own store, then copied byte for byte (\`DUMP\`/\`RESTORE\`) under new ids.`,
    scalingSection(extras.redisScaling),
  ];
  const profileText = profilesSection(profiles);
  if (profileText) sections.push(`## CPU profiles (\`node --cpu-prof\`)`, profileText);
  const failedExtras = Object.entries(extraStatus).filter(([, entry]) => entry.state !== 'ok');
  if (failedExtras.length) {
    sections.push(
      `## Measurements that did not complete`,
      failedExtras.map(([name, entry]) => `- ${name}: ${entry.state} (${entry.reason})`).join('\n'),
    );
  }
  sections.push(`## Method`, methodText(meta));
  return `${sections.join('\n\n')}\n`;
}

function readmeSection({ meta, status, summary, targets, svgPath, reportPath, notes }) {
  return [
    `## Performance`,
    `Measured with \`npm run bench\` (${meta.config.rounds} interleaved rounds, ${meta.config.durationS} s per method after a warm-up of both, ${meta.config.connections} connections, each with its own session) on ${meta.cpus}, Node ${meta.node}, ${meta.date.slice(0, 10)}. Each scenario is a minimal Nest app with the same two routes, in its own process; the ratio columns are measured within the same round, which is what to compare. The full report, with Redis round trips, cookie sizes, replication lag, join times, memory and scaling, is [${reportPath}](${reportPath}).`,
    `![req/s per scenario](${svgPath})`,
    `**Reads** (\`GET /counter\`):`,
    throughputTable(summary, status, 'GET', { compact: true }),
    `**Writes** (\`POST /counter\`):`,
    throughputTable(summary, status, 'POST', { compact: true }),
    `**Targets**:`,
    targetsTable(targets),
    ...(notes ? [notes.trim()] : []),
    `Run it yourself (needs \`redis-server\` on the \`PATH\`; about ${Math.max(1, Math.round(meta.totalSeconds / 60))} minutes; \`npm run bench -- --quick\` for a short check):`,
    '```bash\nnpm ci\nnpm run bench\n```',
  ].join('\n\n');
}

export async function writeReport({
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
}) {
  mkdirSync(outDir, { recursive: true });
  const svgName = `${baseName}.svg`;
  const files = [];
  const write = (path, text) => {
    writeFileSync(path, text);
    files.push(relative(ROOT, path));
  };
  write(
    join(outDir, `${baseName}.json`),
    `${JSON.stringify({ meta, status, targets, summary, extras, extraStatus, rounds, profiles }, null, 2)}\n`,
  );
  const svg = await renderChart(summary, {
    title: `Requests/s per scenario (${meta.command}, ${meta.date.slice(0, 10)})`,
  });
  write(join(outDir, svgName), svg);
  write(
    join(outDir, `${baseName}.md`),
    markdown({ meta, status, summary, extras, extraStatus, targets, profiles, svgName }),
  );
  if (baseName === 'latest' && outDir === join(ROOT, 'bench', 'results')) {
    const notesFile = join(ROOT, 'bench', 'notes.md');
    const notes = existsSync(notesFile) ? readFileSync(notesFile, 'utf8') : '';
    mkdirSync(join(ROOT, 'docs', 'readme'), { recursive: true });
    write(
      join(ROOT, 'docs', 'readme', 'performance.md'),
      `${readmeSection({
        meta,
        status,
        summary,
        targets,
        svgPath: 'bench/results/latest.svg',
        reportPath: 'bench/results/latest.md',
        notes,
      })}\n`,
    );
  }
  return files;
}
