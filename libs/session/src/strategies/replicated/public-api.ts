// The replicated strategy's public types and classes, re-exported by the package's entry point.
export {
  ReplicatedSessionStore,
  type ReplicatedSessionStoreOptions,
  type ReplicationStats,
} from './replicated-session.store.js';
export {
  resolveReplicationOptions,
  type ResolvedReplicationOptions,
} from './replication-options.js';
export type {
  ReplicationConsistency,
  ReplicationOptions,
  ReplicationTimers,
} from './replicated-strategy-options.interface.js';
