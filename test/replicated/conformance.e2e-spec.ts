import type { ReplicatedSessionStore } from 'nestjs-distributed-session';
import { describeSessionStoreConformance } from '../conformance/session-store.conformance.js';
import { startCluster, startStore } from './support/in-process-cluster.js';

describeSessionStoreConformance('replicated, a single node', async () => {
  const store = await startStore();
  await store.whenReady();
  return { store, cleanup: () => store.close() };
});

describe('replicated, a node of a 2-node cluster', () => {
  let cluster: ReplicatedSessionStore[] = [];
  // One cluster for the whole suite: each conformance test uses fresh ids.
  beforeAll(async () => {
    cluster = await startCluster(2);
  });
  afterAll(async () => {
    await Promise.all(cluster.map((store) => store.close()));
  });

  describeSessionStoreConformance('replicated, node 1 of 2', async () => ({ store: cluster[0] }));
});
