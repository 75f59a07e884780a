import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionModuleOptions } from './session-module-options.interface.js';

export interface SessionOptionsFactory {
  createSessionOptions(): SessionModuleOptions | Promise<SessionModuleOptions>;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createSessionOptions' as keyof SessionOptionsFactory)
    // Sessions are an application-wide concern: one module instance serves every controller.
    .setExtras({ isGlobal: true }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();
