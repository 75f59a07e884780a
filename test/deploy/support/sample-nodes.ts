import type { SessionStrategyName } from 'nestjs-distributed-session';
import { HttpClient } from '../../support/http-client.js';
import { freePort } from '../../support/ports.js';
import { SampleProcess } from '../../support/sample-process.js';
import { waitFor } from './wait.js';

/** The environment that makes three nodes share sessions with `strategy`. */
export async function strategyEnv(
  strategy: SessionStrategyName,
  size: number,
  redisUrl?: string,
): Promise<NodeJS.ProcessEnv[]> {
  const common: NodeJS.ProcessEnv = {
    SESSION_STRATEGY: strategy,
    // Behind nginx: X-Forwarded-Proto decides whether the cookie is Secure.
    TRUST_PROXY: '1',
    ...(strategy === 'redis' ? { REDIS_URL: redisUrl } : {}),
  };
  if (strategy !== 'replicated') return Array.from({ length: size }, () => ({ ...common }));
  const replicationPorts: number[] = [];
  for (let i = 0; i < size; i++) replicationPorts.push(await freePort());
  return replicationPorts.map((port, i) => ({
    ...common,
    REPLICATION_HOST: '127.0.0.1',
    REPLICATION_PORT: String(port),
    REPLICATION_PEERS: replicationPorts
      .filter((_, j) => j !== i)
      .map((peer) => `127.0.0.1:${peer}`)
      .join(','),
  }));
}

/** Starts `node-1` … `node-<size>` with `strategy` and waits until every one reports healthy. */
export async function startNodes(
  strategy: SessionStrategyName,
  options: { size?: number; redisUrl?: string; started: SampleProcess[] },
): Promise<SampleProcess[]> {
  const envs = await strategyEnv(strategy, options.size ?? 3, options.redisUrl);
  const ports: number[] = [];
  for (let i = 0; i < envs.length; i++) ports.push(await freePort());
  // Started together (replicated nodes find each other while they start); each one is recorded
  // in `started` as soon as it runs, so that afterAll stops it even when another one failed.
  await Promise.all(
    envs.map(async (env, i) => {
      const node = await SampleProcess.start(`node-${i + 1}`, env, ports[i]);
      options.started.push(node);
    }),
  );
  const nodes = [...options.started].sort((a, b) => a.name.localeCompare(b.name));
  for (const node of nodes) {
    await waitFor(
      async () => (await new HttpClient(node.url).get('/health')).status === 200,
      () => `${node.name} to be healthy:\n${node.log}`,
      30_000,
    );
  }
  return nodes;
}
