// From raw rounds to the figures of the report: medians over rounds of same-round ratios.
import { BY_ID, CEILING, THROUGHPUT_SCENARIOS } from './catalog.mjs';

export function median(values) {
  const sorted = values
    .filter((value) => typeof value === 'number' && Number.isFinite(value))
    .sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

function range(values) {
  const finite = values.filter((value) => typeof value === 'number' && Number.isFinite(value));
  return finite.length ? [Math.min(...finite), Math.max(...finite)] : null;
}

/**
 * `rounds`: [{ [scenario]: { GET: result, POST: result } }]. Per scenario and method: median req/s
 * and its min–max over rounds, median p50/p99, and the medians of the per-round ratio to the
 * platform ceiling, added µs per request and ratio to the reference scenario.
 */
export function summarize(rounds) {
  const summary = {};
  for (const scenario of THROUGHPUT_SCENARIOS) {
    const ceiling = CEILING[scenario.platform];
    summary[scenario.id] = {};
    for (const method of ['GET', 'POST']) {
      const measured = rounds.map((round) => round[scenario.id]?.[method]).filter(Boolean);
      if (measured.length === 0) continue;
      const perRound = (fn) =>
        rounds.map((round) => {
          const own = round[scenario.id]?.[method];
          return own ? fn(own, round) : null;
        });
      const ratioCeiling = perRound((own, round) => {
        const base = round[ceiling]?.[method];
        return base ? own.rps / base.rps : null;
      });
      const addedUs = perRound((own, round) => {
        const base = round[ceiling]?.[method];
        return base ? 1e6 / own.rps - 1e6 / base.rps : null;
      });
      const ratioReference = perRound((own, round) => {
        const reference = scenario.reference && round[scenario.reference]?.[method];
        return reference ? own.rps / reference.rps : null;
      });
      const addedCpuUs = perRound((own, round) => {
        const base = round[ceiling]?.[method];
        return base && own.cpuUsPerRequest != null && base.cpuUsPerRequest != null
          ? own.cpuUsPerRequest - base.cpuUsPerRequest
          : null;
      });
      summary[scenario.id][method] = {
        rounds: measured.length,
        rps: median(measured.map((r) => r.rps)),
        rpsRange: range(measured.map((r) => r.rps)),
        p50: median(measured.map((r) => r.p50)),
        p99: median(measured.map((r) => r.p99)),
        ratioCeiling: median(ratioCeiling),
        ratioCeilingRange: range(ratioCeiling),
        addedUs: scenario.ceiling ? 0 : median(addedUs),
        addedUsRange: scenario.ceiling ? null : range(addedUs),
        addedUsRounds: scenario.ceiling ? [] : addedUs.filter((value) => value !== null),
        cpuUsPerRequest: median(measured.map((r) => r.cpuUsPerRequest)),
        addedCpuUs: scenario.ceiling ? 0 : median(addedCpuUs),
        ratioReference: median(ratioReference),
        ratioReferenceRange: range(ratioReference),
        ratioReferenceRounds: ratioReference.filter((value) => value !== null),
        problems: measured.reduce((sum, r) => sum + r.errors + r.non2xx + r.timeouts, 0),
      };
    }
  }
  return summary;
}

function passes(value, comparison, threshold) {
  if (comparison === '>=') return value >= threshold;
  if (comparison === '<=') return value <= threshold;
  return value < threshold;
}

/** A target, judged on the median; `rounds` (per-round values) says how many rounds agree. */
function target(name, value, comparison, threshold, unit, detail, rounds = []) {
  if (value === null || value === undefined) {
    return { name, status: 'not measured', value: null, threshold, detail };
  }
  return {
    name,
    status: passes(value, comparison, threshold) ? 'met' : 'missed',
    value,
    comparison,
    threshold,
    unit,
    detail,
    rounds: rounds.length,
    roundsMet: rounds.filter((v) => passes(v, comparison, threshold)).length,
  };
}

/** The targets, each met, missed or not measured (with the reason when not measured). */
export function evaluateTargets(summary, extras, status) {
  const get = (id, method, field) => summary[id]?.[method]?.[field] ?? null;
  const rounds = (id, field) => summary[id]?.GET?.[field] ?? [];
  const why = (id) =>
    status[id] && status[id].state !== 'ok' ? `${id}: ${status[id].state}` : undefined;
  const cookieReads = ['express-ours-cookie', 'fastify-ours-cookie']
    .map((id) => extras.cookies?.[id])
    .filter(Boolean);
  const readSeals = cookieReads.length
    ? cookieReads.reduce(
        (sum, entry) => sum + (entry.sealsDuringReads ?? 0) + entry.readsWithSetCookie,
        0,
      )
    : null;
  const lag = extras.replicationLag?.underLoad?.p99 ?? null;
  return [
    target(
      'redis: GET req/s ≥ 1.5× express-session + connect-redis (Express)',
      get('express-ours-redis', 'GET', 'ratioReference'),
      '>=',
      1.5,
      '×',
      why('express-ours-redis'),
      rounds('express-ours-redis', 'ratioReferenceRounds'),
    ),
    target(
      'redis: at most 50 µs added per read (Express)',
      get('express-ours-redis', 'GET', 'addedUs'),
      '<=',
      50,
      'µs',
      why('express-ours-redis'),
      rounds('express-ours-redis', 'addedUsRounds'),
    ),
    target(
      'cookie: GET req/s ≥ 3× iron-session (Express)',
      get('express-ours-cookie', 'GET', 'ratioReference'),
      '>=',
      3,
      '×',
      why('express-ours-cookie'),
      rounds('express-ours-cookie', 'ratioReferenceRounds'),
    ),
    target(
      'cookie: GET req/s ≥ @fastify/secure-session (Fastify)',
      get('fastify-ours-cookie', 'GET', 'ratioReference'),
      '>=',
      1,
      '×',
      why('fastify-ours-cookie'),
      rounds('fastify-ours-cookie', 'ratioReferenceRounds'),
    ),
    target(
      'cookie: a read does no seal (seals + Set-Cookie on reads)',
      readSeals,
      '<=',
      0,
      '',
      cookieReads.length ? undefined : 'cookie sizes not measured',
    ),
    target(
      'memory: GET req/s ≥ 1.3× express-session MemoryStore (Express)',
      get('express-ours-memory', 'GET', 'ratioReference'),
      '>=',
      1.3,
      '×',
      why('express-ours-memory'),
      rounds('express-ours-memory', 'ratioReferenceRounds'),
    ),
    target(
      'replicated: GET req/s within 10% of memory (≥ 0.9×, Express)',
      get('express-ours-replicated', 'GET', 'ratioReference'),
      '>=',
      0.9,
      '×',
      why('express-ours-replicated'),
      rounds('express-ours-replicated', 'ratioReferenceRounds'),
    ),
    target(
      'replicated: replication lag p99 < 10 ms under load',
      lag,
      '<',
      10,
      'ms',
      extras.replicationLag ? undefined : 'replication lag not measured',
    ),
  ];
}

export { BY_ID };
