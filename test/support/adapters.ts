import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { HttpAdapterName } from '../../apps/sample/src/sample.config.js';

/** The two platforms every end-to-end behaviour is proven on (`describe.each(ADAPTERS)`). */
export const ADAPTERS: readonly { name: HttpAdapterName; create: () => AbstractHttpAdapter }[] = [
  { name: 'express', create: () => new ExpressAdapter() },
  { name: 'fastify', create: () => new FastifyAdapter() },
];
