interface PageState {
  node: string;
  strategy: string;
  user: string | null;
  counter: number;
}

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );

/** The demo page: plain HTML and a few lines of script, no client framework. */
export function renderPage(state: PageState): string {
  const { node, strategy, user, counter } = state;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Shared sessions: ${escapeHtml(strategy)}</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 42rem; margin: 2rem auto; padding: 0 1rem; color: #1d2430; }
  h1 { font-size: 1.4rem; }
  dl { display: grid; grid-template-columns: 8rem 1fr; gap: .25rem 1rem; }
  dt { color: #5b6472; }
  dd { margin: 0; font-weight: 600; }
  .row { display: flex; gap: .5rem; margin: 1rem 0; flex-wrap: wrap; }
  button, input { font: inherit; padding: .35rem .8rem; }
  #answers { font-family: ui-monospace, monospace; font-size: .9rem; padding-left: 1.2rem; }
  #error { color: #b00020; }
</style>
</head>
<body>
<h1>One session, many nodes</h1>
<dl>
  <dt>Served by</dt><dd id="node">${escapeHtml(node)}</dd>
  <dt>Strategy</dt><dd id="strategy">${escapeHtml(strategy)}</dd>
  <dt>User</dt><dd id="user">${user === null ? 'anonymous' : escapeHtml(user)}</dd>
  <dt>Counter</dt><dd id="counter">${counter}</dd>
</dl>
<div class="row">
  <button id="increment" type="button">Increment</button>
  <button id="refresh" type="button">Refresh</button>
</div>
<form id="login" class="row">
  <input id="username" name="username" placeholder="name" required pattern="[A-Za-z0-9_.\\-]{1,64}" autocomplete="username">
  <button type="submit">Log in</button>
  <button id="logout" type="button">Log out</button>
</form>
<p id="error" role="alert"></p>
<h2>Last answers</h2>
<ol id="answers"></ol>
<script>
(() => {
  const $ = (id) => document.getElementById(id);
  const answers = [];
  function record(action, response, detail) {
    answers.unshift(action + ' -> ' + (response.headers.get('X-Node') || '?') + (detail === undefined ? '' : ' (' + detail + ')'));
    answers.length = Math.min(answers.length, 10);
    $('answers').innerHTML = '';
    for (const line of answers) {
      const item = document.createElement('li');
      item.textContent = line;
      $('answers').appendChild(item);
    }
  }
  async function call(action, method, url, body) {
    $('error').textContent = '';
    const response = await fetch(url, {
      method,
      credentials: 'same-origin',
      headers: body ? { 'Content-Type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = response.status === 204 ? null : await response.json();
    if (!response.ok) $('error').textContent = action + ' failed: ' + ((json && json.message) || response.status);
    return { response, json };
  }
  async function refresh(action) {
    const { response, json } = await call(action || 'refresh', 'GET', '/api/session');
    if (!json) return;
    $('node').textContent = json.node;
    $('user').textContent = json.user === null ? 'anonymous' : json.user;
    $('counter').textContent = json.counter;
    record(action || 'refresh', response, 'counter ' + json.counter);
  }
  $('increment').addEventListener('click', async () => {
    const { response, json } = await call('increment', 'POST', '/api/counter');
    if (json && response.ok) {
      $('node').textContent = json.node;
      $('counter').textContent = json.counter;
      record('increment', response, 'counter ' + json.counter);
    }
  });
  $('refresh').addEventListener('click', () => refresh());
  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const { response } = await call('login', 'POST', '/api/login', { username: $('username').value });
    record('login', response);
    await refresh('after login');
  });
  $('logout').addEventListener('click', async () => {
    const { response } = await call('logout', 'POST', '/api/logout');
    record('logout', response);
    await refresh('after logout');
  });
})();
</script>
</body>
</html>
`;
}
