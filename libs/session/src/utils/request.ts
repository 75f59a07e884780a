import { parse } from 'cookie';
import type { RequestCookies } from '../session-strategy.interface.js';

/** The parts of an Express or Fastify request the core reads. */
export interface SessionHttpRequest {
  readonly headers: { readonly cookie?: string | string[] };
  /** Express and Fastify both derive it from the socket and, when the proxy is trusted, X-Forwarded-Proto. */
  readonly protocol?: string;
  readonly method?: string;
  readonly url?: string;
}

export function readRequestCookies(request: SessionHttpRequest): RequestCookies {
  const header = request.headers.cookie;
  if (!header) return {};
  return parse(Array.isArray(header) ? header.join('; ') : header);
}

export function isSecureRequest(request: SessionHttpRequest): boolean {
  return request.protocol === 'https';
}
