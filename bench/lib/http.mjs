// A small HTTP client for the measurements that are not throughput (session creation, probes,
// round-trip counts, cookie sizes): one keep-alive connection per agent, raw headers kept.
import { Agent, request as httpRequest } from 'node:http';

export function keepAliveAgent() {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

const defaultAgent = keepAliveAgent();

/** Sends one request; resolves with status, the Set-Cookie headers as sent and the parsed body. */
export function request(
  url,
  { method = 'GET', cookie, agent = defaultAgent, timeoutMs = 10_000 } = {},
) {
  return new Promise((resolve, reject) => {
    const headers = {};
    if (cookie) headers.cookie = cookie;
    if (method !== 'GET') headers['content-length'] = '0';
    const req = httpRequest(url, { method, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => {
        let json;
        try {
          json = body ? JSON.parse(body) : undefined;
        } catch {
          json = undefined;
        }
        resolve({
          status: res.statusCode,
          setCookies: res.headers['set-cookie'] ?? [],
          body,
          json,
        });
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The `name=value` pairs of Set-Cookie headers, joined as a Cookie header; cleared cookies dropped. */
export function cookieHeader(setCookies) {
  return setCookies
    .map((header) => header.split(';')[0])
    .filter((pair) => !pair.endsWith('='))
    .join('; ');
}

/** Starts a session the way every client of the benchmark does: one POST /counter without a cookie. */
export async function newSession(baseUrl, agent) {
  const response = await request(`${baseUrl}/counter`, { method: 'POST', agent });
  if (response.status !== 200) {
    throw new Error(`POST /counter answered ${response.status}: ${response.body.slice(0, 200)}`);
  }
  return { cookie: cookieHeader(response.setCookies), setCookies: response.setCookies };
}
