/** What a response carries that the tests look at. */
export interface ClientResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly setCookies: string[];
}

/**
 * A browser-like HTTP client over real sockets: it keeps a cookie jar (honouring Max-Age=0 and
 * the cookie's name only: one host, one path in these tests) and sends it back on every request.
 */
// `any` as the default body type: bodies are JSON whose shape each test asserts field by field.
/* eslint-disable @typescript-eslint/no-explicit-any */
export class HttpClient {
  readonly jar = new Map<string, string>();

  constructor(public baseUrl: string) {}

  get<T = any>(path: string, headers: Record<string, string> = {}) {
    return this.request<T>('GET', path, undefined, headers);
  }

  post<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<T>('POST', path, body, headers);
  }

  put<T = any>(path: string, body?: unknown, headers: Record<string, string> = {}) {
    return this.request<T>('PUT', path, body, headers);
  }

  /** The Cookie header the jar would send. */
  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async request<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ClientResponse<T>> {
    const cookie = this.cookieHeader();
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      redirect: 'manual',
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const setCookies = response.headers.getSetCookie();
    for (const header of setCookies) this.store(header);
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = type.includes('application/json') && text ? JSON.parse(text) : text;
    return { status: response.status, headers: response.headers, body: parsed as T, setCookies };
  }

  /* eslint-enable @typescript-eslint/no-explicit-any */

  private store(header: string): void {
    storeSetCookie(this.jar, header);
  }
}

/** Applies one `Set-Cookie` header to a jar kept by name (one host, one path in these tests). */
export function storeSetCookie(jar: Map<string, string>, header: string): void {
  const [pair, ...attributes] = header.split(';').map((part) => part.trim());
  const eq = pair.indexOf('=');
  const name = pair.slice(0, eq);
  const value = pair.slice(eq + 1);
  const cleared = attributes.some((attribute) => /^max-age=0$/i.test(attribute)) || value === '';
  if (cleared) jar.delete(name);
  else jar.set(name, value);
}

/** The URL of an app listening on port 0, as 127.0.0.1 (never the IPv6 form Nest may report). */
export async function urlOf(app: { getUrl(): Promise<string> }): Promise<string> {
  const url = new URL(await app.getUrl());
  return `http://127.0.0.1:${url.port}`;
}
