// A round-robin HTTP balancer for the local cluster demo (`npm start`), on http-proxy-3.
// Production guidance is nginx (deploy/nginx/); this one only spreads a laptop's requests over the
// local nodes so that a person sees the session follow them from node to node.
import { createServer } from 'node:http';
import { createProxyServer } from 'http-proxy-3';

/**
 * @typedef {object} Upstream
 * @property {string} name  shown in errors
 * @property {string} url   e.g. http://127.0.0.1:3001
 * @property {() => boolean} isUp  whether the node can take requests (its process is alive)
 */

/**
 * Creates (does not start) an HTTP server that sends each request to the next upstream that is up,
 * in turn, with `X-Forwarded-For/Proto/Host` set (the nodes run with `TRUST_PROXY=1`).
 *
 * @param {Upstream[]} upstreams
 */
export function createBalancer(upstreams) {
  const proxy = createProxyServer({ xfwd: true, proxyTimeout: 30_000 });
  let next = 0;

  /** @returns {Upstream | undefined} */
  function pick() {
    for (let tried = 0; tried < upstreams.length; tried++) {
      const upstream = upstreams[next % upstreams.length];
      next = (next + 1) % upstreams.length;
      if (upstream.isUp()) return upstream;
    }
    return undefined;
  }

  /**
   * @param {import('node:http').ServerResponse} res
   * @param {number} status
   * @param {string} message
   */
  function fail(res, status, message) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(status, { 'content-type': 'application/json', 'x-node': 'balancer' });
    res.end(JSON.stringify({ statusCode: status, message }));
  }

  const server = createServer((req, res) => {
    const upstream = pick();
    if (!upstream) return fail(res, 503, 'no node is up');
    proxy.web(req, res, { target: upstream.url }, (error) =>
      fail(res, 502, `${upstream.name} did not answer: ${error.message}`),
    );
  });
  return server;
}
