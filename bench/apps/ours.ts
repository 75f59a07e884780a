// The scenarios of this package: SessionModule with one strategy, the common routes, and /bench/*
// helpers that reach the store directly (fill it, read its size, watch replication).
import { randomBytes } from 'node:crypto';
import {
  Controller,
  Get,
  HttpCode,
  Inject,
  Module,
  Optional,
  Post,
  Query,
  type DynamicModule,
  type INestApplication,
} from '@nestjs/common';
import {
  Session,
  SessionManager,
  SessionModule,
  SessionStore,
  type SessionChange,
  type SessionModuleOptions,
} from 'nestjs-distributed-session';
import { BLOB_1KB, nowUs, type BenchEnv, type ScenarioDefinition } from './scenarios.js';

/** What the replicated store adds to the `SessionStore` contract, read without depending on it. */
interface ReplicatedStoreView {
  whenReady?(): Promise<void>;
  stats?(): { ready: boolean; sessions: number; peers?: readonly unknown[] };
}

type BenchStore = SessionStore & ReplicatedStoreView & { readonly size?: number };

let readyAfterMs: number | undefined;
/** Replication lag probes: when the serving node's store started to commit each probe, by seq. */
const probeCommits = new Map<number, number>();

@Controller()
class CounterController {
  @Get('counter')
  read(@Session() session: Session): { counter: number } {
    return { counter: (session.get('counter') as number | undefined) ?? 0 };
  }

  @Post('counter')
  @HttpCode(200)
  increment(@Session() session: Session): { counter: number } {
    const counter = ((session.get('counter') as number | undefined) ?? 0) + 1;
    session.set('counter', counter);
    return { counter };
  }

  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }

  @Post('blob')
  @HttpCode(200)
  blob(@Session() session: Session): { ok: boolean } {
    session.set('blob', BLOB_1KB);
    return { ok: true };
  }

  /** Replication lag probe: the value carries the time of the write, taken before the commit. */
  @Post('probe')
  @HttpCode(200)
  probe(@Session() session: Session, @Query('seq') seq: string): { id: string; t: number } {
    const t = nowUs();
    session.set('probe', { seq: Number(seq), t });
    return { id: session.id, t };
  }
}

@Controller('bench')
class BenchController {
  private readonly seen = new Map<number, Promise<number | null>>();

  constructor(
    @Optional() @Inject(SessionStore) private readonly store: BenchStore | null,
    private readonly manager: SessionManager,
  ) {}

  @Get('stats')
  stats(): Record<string, unknown> {
    const memory = process.memoryUsage();
    const replication = this.store?.stats?.();
    return {
      rss: memory.rss,
      heapUsed: memory.heapUsed,
      sessions: replication?.sessions ?? this.store?.size ?? null,
      ready: replication?.ready ?? true,
      peers: replication?.peers?.length ?? null,
      readyAfterMs: readyAfterMs ?? null,
      cookieCounters: this.cookieCounters(),
    };
  }

  @Post('gc')
  @HttpCode(200)
  async gc(): Promise<{ rss: number; heapUsed: number }> {
    const collect = (globalThis as { gc?: () => void }).gc;
    for (let i = 0; i < 3; i++) {
      collect?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const { rss, heapUsed } = process.memoryUsage();
    return { rss, heapUsed };
  }

  /** Stores `n` sessions of about `bytes` bytes of data through the store itself (no HTTP per session). */
  @Post('fill')
  @HttpCode(200)
  async fill(
    @Query('n') n: string,
    @Query('bytes') bytes = '200',
  ): Promise<{ filled: number; ms: number; firstId: string | null }> {
    const store = this.store;
    if (!store) throw new Error('this scenario has no server-side store');
    const count = Number(n);
    const started = nowUs();
    const padding = JSON.stringify('x'.repeat(Math.max(0, Number(bytes) - 40)));
    const now = Date.now();
    const change: SessionChange = {
      mode: 'create',
      set: { counter: '1', profile: padding },
      deleted: [],
      principal: null,
      createdAt: now,
      expiresAt: now + 3_600_000,
      absoluteExpiresAt: now + 86_400_000,
    };
    const inFlight = 256;
    let firstId: string | null = null;
    for (let done = 0; done < count; done += inFlight) {
      const batch = Math.min(inFlight, count - done);
      const ids = Array.from({ length: batch }, () => randomBytes(24).toString('base64url'));
      firstId ??= ids[0] ?? null;
      await Promise.all(ids.map((id) => store.save(id, change)));
    }
    return { filled: count, ms: (nowUs() - started) / 1000, firstId };
  }

  /** Starts watching a session for probe `seq`; the result says when it became visible here. */
  @Post('watch')
  @HttpCode(200)
  watch(@Query('id') id: string, @Query('seq') seqText: string): { armed: boolean } {
    const store = this.store;
    if (!store) throw new Error('this scenario has no server-side store');
    const seq = Number(seqText);
    const deadline = nowUs() + 2_000_000;
    this.seen.set(
      seq,
      new Promise((resolve) => {
        const poll = async (): Promise<void> => {
          const record = await store.load(id);
          const text = record?.data.probe;
          if (text !== undefined && (JSON.parse(text) as { seq: number }).seq >= seq) {
            resolve(nowUs());
          } else if (nowUs() > deadline) {
            resolve(null);
          } else {
            setImmediate(() => void poll());
          }
        };
        void poll();
      }),
    );
    return { armed: true };
  }

  @Get('probe-commit')
  probeCommit(@Query('seq') seqText: string): { t: number | null } {
    const seq = Number(seqText);
    const t = probeCommits.get(seq) ?? null;
    probeCommits.delete(seq);
    return { t };
  }

  @Get('watch')
  async watched(@Query('seq') seqText: string): Promise<{ t: number | null }> {
    const seq = Number(seqText);
    const t = (await this.seen.get(seq)) ?? null;
    this.seen.delete(seq);
    return { t };
  }

  /** The cookie strategy's seal/unseal counters, when the active strategy keeps them. */
  private cookieCounters(): unknown {
    // The strategy is private to the manager; the benchmark reads its counters without widening the API.
    const strategy = (this.manager as unknown as { strategy?: { counters?: unknown } }).strategy;
    return strategy?.counters ?? null;
  }
}

@Module({ controllers: [CounterController, BenchController] })
class BenchRoutesModule {}

export function oursModule(scenario: ScenarioDefinition, env: BenchEnv): DynamicModule {
  const options: SessionModuleOptions = { strategy: scenario.strategy, secret: env.secret };
  if (scenario.strategy === 'redis') options.redis = { url: env.redisUrl };
  if (scenario.strategy === 'memory' && env.memoryMaxSessions) {
    options.memory = { maxSessions: env.memoryMaxSessions };
  }
  if (scenario.strategy === 'replicated') {
    options.replication = {
      host: '127.0.0.1',
      port: env.replicationPort,
      peers: env.replicationPeers,
      useSessionSecret: true,
    };
  }
  return {
    module: BenchAppModule,
    imports: [SessionModule.forRoot(options), BenchRoutesModule],
  };
}

@Module({})
class BenchAppModule {}

/**
 * Records when the store is ready to serve (a replicated node: when it has joined the cluster). On a
 * replicated node, also notes when the store starts to commit a lag probe: the strategy calls the
 * store's own `save`, so wrapping it on the instance sees exactly the commit.
 */
export function storeReady(app: INestApplication, startedAtUs: number, strategy?: string): void {
  let store: BenchStore | null;
  try {
    store = app.get<BenchStore | null>(SessionStore, { strict: false });
  } catch {
    store = null;
  }
  if (store && strategy === 'replicated') {
    const save = store.save.bind(store);
    store.save = (id: string, change: SessionChange): Promise<boolean> => {
      const probe = change.set.probe;
      if (probe !== undefined)
        probeCommits.set((JSON.parse(probe) as { seq: number }).seq, nowUs());
      return save(id, change);
    };
  }
  const ready = store?.whenReady?.() ?? Promise.resolve();
  void ready.then(() => {
    readyAfterMs = (nowUs() - startedAtUs) / 1000;
  });
}
