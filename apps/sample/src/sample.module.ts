import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, type SessionModuleOptions } from 'nestjs-distributed-session';
import { ApiController } from './api.controller.js';
import { HealthController } from './health.controller.js';
import { PageController } from './page.controller.js';
import { SAMPLE_CONFIG } from './sample.constants.js';
import type { SampleConfig } from './sample.config.js';

export function sessionOptionsFor(config: SampleConfig): SessionModuleOptions {
  return {
    strategy: config.strategy,
    secret: config.secrets,
    ttl: config.ttl,
    ...strategyBlock(config),
    ...config.sessionOverrides,
  };
}

/** The strategy-specific block of the options, from the environment. */
function strategyBlock(config: SampleConfig): Partial<SessionModuleOptions> {
  switch (config.strategy) {
    case 'redis':
      return {
        redis: {
          ...(config.redisSentinels
            ? { sentinel: { sentinels: config.redisSentinels, name: config.redisSentinelName! } }
            : { url: config.redisUrl ?? 'redis://127.0.0.1:6379' }),
          ...(config.redisWaitReplicas
            ? { waitForReplicas: { replicas: config.redisWaitReplicas } }
            : {}),
        },
      };
    case 'replicated':
      return {
        replication: {
          host: config.replicationHost ?? '127.0.0.1',
          port: config.replicationPort ?? 4000,
          peers: config.replicationPeers,
          // The sample only: the cluster secret defaults to the first session secret.
          secret: config.replicationSecret ?? config.secrets[0],
          consistency: config.replicationConsistency ?? 'ack-all',
          timers: config.replicationTimers,
        },
      };
    // Each strategy maps its environment variables here.
    default:
      return {};
  }
}

@Module({})
export class SampleModule {
  static register(config: SampleConfig): DynamicModule {
    return {
      module: SampleModule,
      imports: [SessionModule.forRoot(sessionOptionsFor(config))],
      controllers: [PageController, ApiController, HealthController],
      providers: [{ provide: SAMPLE_CONFIG, useValue: config }],
    };
  }
}
