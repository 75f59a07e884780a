import { MemorySessionStore } from 'nestjs-distributed-session';
import { describeSessionStoreConformance } from './conformance/session-store.conformance.js';

// Every server-side store passes the same suite; each strategy adds its store here.
describeSessionStoreConformance('memory', async () => {
  const store = new MemorySessionStore({
    maxSessions: 1000,
    sweepIntervalMs: 60_000,
    clock: Date.now,
  });
  return { store, cleanup: () => store.close() };
});
