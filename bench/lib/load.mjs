// The load generator: autocannon, programmatically, in the runner's process (never the server's).
// Each connection is one client with its own session cookie, sent on every request.
import autocannon from 'autocannon';

/**
 * Runs `durationS` seconds of `method path` against `url` with one connection per cookie in
 * `cookies` (or `connections` connections without cookies when `cookies` is empty).
 */
export async function runLoad({ url, method, path = '/counter', cookies, connections, durationS }) {
  let next = 0;
  const result = await autocannon({
    url: `${url}${path}`,
    method,
    connections,
    pipelining: 1,
    duration: durationS,
    headers: method === 'GET' ? {} : { 'content-length': '0' },
    setupClient(client) {
      if (cookies.length === 0) return;
      const cookie = cookies[next++ % cookies.length];
      client.setHeaders(method === 'GET' ? { cookie } : { cookie, 'content-length': '0' });
    },
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
  };
}
