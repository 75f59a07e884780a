import type { HttpAdapterName } from '../../../apps/sample/src/sample.config.js';
import { HttpClient } from '../../support/http-client.js';
import { freePort } from '../../support/ports.js';
import { SampleProcess } from '../../support/sample-process.js';
import { waitFor } from './in-process-cluster.js';

/** Timers for sample nodes as child processes on a loaded 2-core machine: shrunk, with margin. */
export const PROCESS_TIMERS = {
  heartbeatMs: 200,
  suspectMs: 3000,
  downMs: 6000,
  connectTimeoutMs: 1000,
  handshakeTimeoutMs: 2000,
  joinTimeoutMs: 1500,
  stateTransferTimeoutMs: 15_000,
  antiEntropyMs: 500,
  sweepMs: 250,
  reconnectMinMs: 50,
  reconnectMaxMs: 500,
};

export interface SampleNodeSpec {
  readonly name: string;
  readonly port: number;
  readonly replicationPort: number;
}

export interface ClusterSettings {
  readonly adapter?: HttpAdapterName;
  readonly consistency?: 'async' | 'ack-one' | 'ack-all';
  readonly timers?: Record<string, number>;
  readonly env?: NodeJS.ProcessEnv;
}

/** Addresses for `size` sample nodes, picked free now. */
export async function planCluster(size: number, prefix = 'node'): Promise<SampleNodeSpec[]> {
  const specs: SampleNodeSpec[] = [];
  for (let i = 0; i < size; i++)
    specs.push({
      name: `${prefix}-${i + 1}`,
      port: await freePort(),
      replicationPort: await freePort(),
    });
  return specs;
}

/** The environment of one replicated sample node that knows every other node of `plan` as a peer. */
export function nodeEnv(
  plan: readonly SampleNodeSpec[],
  index: number,
  settings: ClusterSettings = {},
): NodeJS.ProcessEnv {
  const peers = plan
    .filter((_, other) => other !== index)
    .map((spec) => `127.0.0.1:${spec.replicationPort}`);
  return {
    SESSION_STRATEGY: 'replicated',
    HTTP_ADAPTER: settings.adapter ?? 'express',
    REPLICATION_HOST: '127.0.0.1',
    REPLICATION_PORT: String(plan[index].replicationPort),
    REPLICATION_PEERS: peers.join(','),
    REPLICATION_CONSISTENCY: settings.consistency ?? 'ack-all',
    REPLICATION_TIMERS: JSON.stringify({ ...PROCESS_TIMERS, ...settings.timers }),
    ...settings.env,
  };
}

export async function startNode(
  plan: readonly SampleNodeSpec[],
  index: number,
  settings: ClusterSettings = {},
): Promise<SampleProcess> {
  return SampleProcess.start(plan[index].name, nodeEnv(plan, index, settings), plan[index].port);
}

/** Starts every node of the plan and waits until each answers `GET /health` with 200. */
export async function startSampleCluster(
  plan: readonly SampleNodeSpec[],
  settings: ClusterSettings = {},
): Promise<SampleProcess[]> {
  const nodes = await Promise.all(plan.map((_, index) => startNode(plan, index, settings)));
  await Promise.all(nodes.map((node) => waitHealthy(node)));
  return nodes;
}

export async function healthStatus(node: SampleProcess): Promise<number> {
  try {
    return (await new HttpClient(node.url).get('/health')).status;
  } catch {
    return 0;
  }
}

export async function waitHealthy(node: SampleProcess, timeoutMs = 20_000): Promise<void> {
  await waitFor(
    async () => (await healthStatus(node)) === 200,
    timeoutMs,
    () => `${node.name} healthy\n${node.log}`,
  );
}

export async function stopAll(nodes: readonly (SampleProcess | undefined)[]): Promise<void> {
  await Promise.all(
    nodes.map(async (node) => {
      if (!node) return;
      node.signal('SIGCONT');
      await node.stop('SIGKILL');
    }),
  );
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function inParallel<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        await task(items[index], index);
      }
    }),
  );
}
