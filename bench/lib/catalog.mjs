// What the report calls each scenario, which ceiling and which competitor it is compared with.

/** In run order (the order of a round). */
export const THROUGHPUT_SCENARIOS = [
  { id: 'express-none', platform: 'express', label: 'no session (ceiling)', ceiling: true },
  {
    id: 'express-ours-memory',
    platform: 'express',
    label: 'ours: memory',
    ours: 'memory',
    reference: 'express-session-memory',
  },
  {
    id: 'express-ours-redis',
    platform: 'express',
    label: 'ours: redis',
    ours: 'redis',
    reference: 'express-session-redis',
  },
  {
    id: 'express-ours-cookie',
    platform: 'express',
    label: 'ours: cookie',
    ours: 'cookie',
    reference: 'express-iron-session',
  },
  {
    id: 'express-ours-replicated',
    platform: 'express',
    label: 'ours: replicated (1 serving, 2 peers)',
    ours: 'replicated',
    reference: 'express-ours-memory',
  },
  { id: 'express-session-redis', platform: 'express', label: 'express-session + connect-redis' },
  { id: 'express-session-memory', platform: 'express', label: 'express-session MemoryStore' },
  { id: 'express-iron-session', platform: 'express', label: 'iron-session' },
  { id: 'fastify-none', platform: 'fastify', label: 'no session (ceiling)', ceiling: true },
  {
    id: 'fastify-ours-cookie',
    platform: 'fastify',
    label: 'ours: cookie',
    ours: 'cookie',
    reference: 'fastify-secure-session',
  },
  {
    id: 'fastify-ours-redis',
    platform: 'fastify',
    label: 'ours: redis',
    ours: 'redis',
    reference: 'fastify-session-redis',
  },
  { id: 'fastify-secure-session', platform: 'fastify', label: '@fastify/secure-session' },
  { id: 'fastify-session-redis', platform: 'fastify', label: '@fastify/session + connect-redis' },
];

export const BY_ID = Object.fromEntries(THROUGHPUT_SCENARIOS.map((s) => [s.id, s]));

export const CEILING = { express: 'express-none', fastify: 'fastify-none' };

export function labelOf(id) {
  const scenario = BY_ID[id];
  if (!scenario) return id;
  return `${scenario.label} (${scenario.platform === 'express' ? 'Express' : 'Fastify'})`;
}
