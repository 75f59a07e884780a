import type { ExecutionContext } from '@nestjs/common';
import type { HttpAdapterHost } from '@nestjs/core';
import type { SetCookieWriter } from '../session.manager.js';
import type { SessionHttpRequest } from './request.js';

export function httpRequestResponse(context: ExecutionContext): {
  request: SessionHttpRequest;
  response: object;
} {
  const http = context.switchToHttp();
  return { request: http.getRequest<SessionHttpRequest>(), response: http.getResponse<object>() };
}

/** Appends `Set-Cookie` through Nest's HTTP adapter, so it works on Express and Fastify alike. */
export function adapterCookieWriter(
  adapterHost: HttpAdapterHost,
  response: object,
): SetCookieWriter {
  return (header) => adapterHost.httpAdapter.appendHeader(response, 'Set-Cookie', header);
}
