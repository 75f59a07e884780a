import type { SessionStrategyFactory } from '../../session-strategy.interface.js';
import { StoreBackedStrategy } from '../store-backed.strategy.js';
import { ReplicatedSessionStore } from './replicated-session.store.js';
import { resolveReplicationOptions } from './replication-options.js';

export * from './public-api.js';

/**
 * The `replicated` strategy: the signed id cookie of every server-side store, over a store that
 * keeps every session on every node. `create` resolves once the node listens for peers; it serves
 * (and reports healthy) once it has joined the cluster.
 */
export const replicatedStrategy: SessionStrategyFactory = {
  name: 'replicated',
  async create(options) {
    const replication = resolveReplicationOptions(options);
    const store = new ReplicatedSessionStore({
      replication,
      absoluteTtlMs: options.absoluteTtlMs,
      clock: options.clock,
    });
    await store.start();
    return new StoreBackedStrategy('replicated', store, options);
  },
};
