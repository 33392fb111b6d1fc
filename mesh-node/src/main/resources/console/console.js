// The cloakmesh web console: logs in with the admin token (kept in this tab's sessionStorage only), reads
// the mesh's live frames from /v1/console/events and draws them; drain, undrain and reload go to the
// same API mesh-admin uses. No library, no inline code (the page's Content-Security-Policy forbids it).
'use strict';

const TOKEN_KEY = 'cloakmesh.token';
const SVG = 'http://www.w3.org/2000/svg';
const $ = (id) => document.getElementById(id);

let previousEdges = new Map();
let previousAt = 0;
let streamAbort = null;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
  return node;
}

function bytes(n) {
  const units = ['B', 'kB', 'MB', 'GB'];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
  return (i === 0 ? Math.round(n) : n.toFixed(1)) + ' ' + units[i];
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

async function api(method, path) {
  const response = await fetch(path, { method, cache: 'no-store', headers: { Authorization: 'Bearer ' + token() } });
  if (response.status === 401) { logout('The token was refused.'); throw new Error('refused'); }
  return response;
}

// ---- login ----

async function login(event) {
  event.preventDefault();
  const candidate = $('token').value.trim();
  $('login-error').textContent = '';
  const response = await fetch('/v1/node', { cache: 'no-store', headers: { Authorization: 'Bearer ' + candidate } });
  if (response.status !== 200) {
    $('login-error').textContent = response.status === 401 ? 'Wrong token: login refused.' : 'The node answered ' + response.status + '.';
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  $('token').value = '';
  show();
}

function logout(why) {
  sessionStorage.removeItem(TOKEN_KEY);
  if (streamAbort) streamAbort.abort();
  $('login-error').textContent = why || '';
  show();
}

function show() {
  const in_ = token() != null;
  $('login').hidden = in_;
  $('mesh').hidden = !in_;
  $('logout').hidden = !in_;
  if (in_) follow();
}

// ---- the live stream (fetch, since EventSource cannot send the token header) ----

async function follow() {
  if (streamAbort) streamAbort.abort();
  const abort = new AbortController();
  streamAbort = abort;
  while (!abort.signal.aborted && token() != null) {
    try {
      const response = await fetch('/v1/console/events', {
        cache: 'no-store', signal: abort.signal, headers: { Authorization: 'Bearer ' + token() },
      });
      if (response.status === 401) { logout('The token was refused.'); return; }
      live(true);
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (data) render(JSON.parse(data));
        }
      }
    } catch (e) {
      if (abort.signal.aborted) return;
    }
    live(false);
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}

function live(on) {
  $('live').dataset.live = on ? 'yes' : 'no';
  $('live').textContent = on ? 'live' : 'reconnecting…';
}

// ---- drawing a frame ----

function render(frame) {
  $('served-by').textContent = 'served by ' + frame.servedBy + ' · ' + new Date(frame.at).toLocaleTimeString();
  $('unanswered').textContent = frame.unanswered.length ? 'Did not answer: ' + frame.unanswered.join(', ') : '';
  renderDatacenters(frame.nodes, frame.at);
  const seconds = previousAt ? (frame.at - previousAt) / 1000 : 0;
  const edges = new Map();
  $('services').replaceChildren(...frame.services.map((s) => renderService(s, seconds, edges)));
  previousEdges = edges;
  previousAt = frame.at;
  renderRefusals(frame.refusals);
}

function renderDatacenters(nodes, now) {
  const byDc = new Map();
  for (const n of nodes) {
    if (!byDc.has(n.datacenter)) byDc.set(n.datacenter, []);
    byDc.get(n.datacenter).push(n);
  }
  $('datacenters').replaceChildren(...[...byDc.entries()].map(([dc, members]) => el('article', { class: 'card dc', 'data-datacenter': dc },
    el('h3', { text: dc }),
    el('ul', { class: 'nodes' }, ...members.map((n) => nodeRow(n, now))))));
}

// "certificate 41 days", down to hours in its last two days; red in its last 14.
function certificate(expiry, now) {
  if (expiry == null) return null;
  const hours = Math.floor((expiry - now) / 3600000);
  const left = hours < 0 ? 'expired' : hours < 48 ? hours + ' hours' : Math.floor(hours / 24) + ' days';
  return el('span', { class: 'cert' + (hours < 14 * 24 ? ' expiring' : ''), text: 'certificate ' + left,
    title: 'time left on its cluster certificate' });
}

function nodeRow(n, now) {
  const actions = el('span', { class: 'actions' });
  if (n.state === 'draining') {
    actions.append(action('Undrain', n.name, 'DELETE', '/drain',
      'Undrain ' + n.name + ': its exports take new connections again.'));
  } else {
    actions.append(action('Drain', n.name, 'POST', '/drain',
      'Drain ' + n.name + ': its exports stop taking new connections, which go to other exporters; open ones carry on.'));
  }
  actions.append(action('Reload', n.name, 'POST', '/reload',
    'Reload ' + n.name + ': it re-reads its configuration file and certificates and applies what changed.'));
  return el('li', { class: 'node state-' + n.state, 'data-node': n.name, 'data-state': n.state },
    el('span', { class: 'name', text: n.name }),
    el('span', { class: 'badge', text: n.state }),
    n.oldest ? el('span', { class: 'oldest', text: 'oldest', title: 'runs this datacenter\'s singletons' }) : null,
    certificate(n.certificateExpiry, now),
    actions);
}

function action(label, node, method, suffix, explanation) {
  const button = el('button', { type: 'button', class: 'action', 'data-action': label.toLowerCase(), 'data-node': node, text: label });
  button.addEventListener('click', () => confirmThen(explanation, async () => {
    const response = await api(method, '/v1/nodes/' + encodeURIComponent(node) + suffix);
    $('action-result').textContent = label + ' ' + node + ': ' + (response.ok ? 'done' : 'failed (' + response.status + ')');
  }));
  return button;
}

function confirmThen(text, act) {
  const dialog = $('confirm');
  $('confirm-text').textContent = text;
  const ok = $('confirm-ok');
  const cancel = $('confirm-cancel');
  const done = (go) => () => {
    ok.onclick = null;
    cancel.onclick = null;
    dialog.close();
    if (go) act().catch(() => {});
  };
  ok.onclick = done(true);
  cancel.onclick = done(false);
  dialog.showModal();
}

function renderService(s, seconds, edgeTotals) {
  let connections = 0;
  for (const e of s.edges) {
    connections += e.connections;
    const key = s.service + ' ' + e.entry + ' ' + e.exit;
    const before = previousEdges.get(key);
    e.rate = seconds > 0 && before != null ? Math.max(0, e.bytes - before) / seconds : 0;
    edgeTotals.set(key, e.bytes);
  }
  const last = s.history.length ? s.history[s.history.length - 1] : { opens: 0, bytes: 0, failures: 0, openMillis: 0 };
  const card = el('article', { class: 'card service', 'data-service': s.service, 'data-connections': String(connections) },
    el('h3', { text: s.service }),
    el('p', { class: 'summary', text: connections + ' open connection' + (connections === 1 ? '' : 's') }),
    graph(s),
    el('div', { class: 'sparks' },
      spark('opens/s', s.history.map((p) => p.opens), last.opens.toFixed(1)),
      spark('bytes/s', s.history.map((p) => p.bytes), bytes(last.bytes)),
      spark('open latency ms (mean)', s.history.map((p) => p.openMillis), last.openMillis.toFixed(2)),
      spark('failed opens/s', s.history.map((p) => p.failures), last.failures.toFixed(1)),
      spark('hedged opens/s', s.history.map((p) => p.hedges), last.hedges.toFixed(1))),
    failureReasons(s.failures));
  if (s.slots.length) card.append(slotMap(s.slots));
  return card;
}

// Importers (entries) on the left, exporters (exits) on the right, an edge per entry-exit pair in use.
function graph(s) {
  const entries = s.importers.map((i) => i.node);
  const exits = s.exporters.map((e) => e.node);
  const rows = Math.max(entries.length, exits.length, 1);
  const height = 28 * rows + 12;
  const picture = svg('svg', { viewBox: '0 0 320 ' + height, class: 'graph', role: 'img',
    'aria-label': s.service + ': importers on the left, exporters on the right' });
  const y = (i) => 20 + 28 * i;
  for (const e of s.edges) {
    const from = entries.indexOf(e.entry);
    const to = exits.indexOf(e.exit);
    if (from < 0 || to < 0) continue;
    picture.append(svg('line', { x1: 100, y1: y(from), x2: 220, y2: y(to), class: 'edge', 'stroke-width': Math.min(8, 1 + Math.log2(1 + e.connections)) }));
    // Two thirds of the way to the exit, so that the labels of one entry's edges do not overlap.
    const label = svg('text', { x: 180, y: y(from) + (y(to) - y(from)) * 2 / 3 - 4, class: 'edge-label', 'text-anchor': 'middle' });
    label.textContent = e.connections + ' · ' + bytes(e.rate) + '/s';
    picture.append(label);
  }
  const box = (x, i, name, cls, anchor) => {
    picture.append(svg('circle', { cx: x, cy: y(i), r: 6, class: cls }));
    const text = svg('text', { x: anchor === 'end' ? x - 10 : x + 10, y: y(i) + 4, 'text-anchor': anchor, class: 'label' });
    text.textContent = name;
    picture.append(text);
  };
  entries.forEach((name, i) => box(100, i, name, 'entry', 'end'));
  s.exporters.forEach((e, i) => box(220, i, e.node + (e.state === 'DRAINING' ? ' (draining)' : ''),
    'exit ' + (e.reachable ? '' : 'unreachable'), 'start'));
  return picture;
}

function spark(label, values, now) {
  const width = 180;
  const height = 32;
  const max = Math.max(1e-9, ...values);
  const step = width / Math.max(1, 899);
  const offset = width - step * (values.length - 1);
  const points = values.map((v, i) => (offset + i * step).toFixed(1) + ',' + (height - 2 - (v / max) * (height - 4)).toFixed(1)).join(' ');
  const picture = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, class: 'spark', role: 'img', 'aria-label': label + ' over the last 15 minutes' });
  if (values.length > 1) picture.append(svg('polyline', { points, class: 'line' }));
  return el('figure', { class: 'sparkline' }, picture, el('figcaption', { text: label + ' ' + now }));
}

function failureReasons(failures) {
  const entries = Object.entries(failures || {});
  if (!entries.length) return null;
  return el('p', { class: 'failures', text: 'failed opens since start: ' + entries.map(([why, n]) => why + ' ' + n).join(', ') });
}

function slotMap(nodes) {
  const body = el('tbody');
  for (const n of nodes) {
    body.append(el('tr', { class: n.role },
      el('td', { text: n.role }),
      el('td', { text: n.id.slice(0, 8) }),
      el('td', { text: n.slots.join(' ') || (n.primaryId ? 'replica of ' + n.primaryId.slice(0, 8) : '') }),
      el('td', { text: Object.entries(n.endpoints).map(([entry, at]) => entry + ' ' + at).join(', ') }),
      el('td', { text: n.health })));
  }
  return el('details', { class: 'slots' }, el('summary', { text: 'slot map (' + nodes.length + ' Redis nodes)' }),
    el('table', {}, el('thead', {}, el('tr', {}, ...['role', 'node', 'slots', 'mesh endpoints', 'health'].map((h) => el('th', { text: h })))), body));
}

function renderRefusals(refusals) {
  const rows = refusals.map((r) => el('tr', {}, el('td', { text: r.node }), el('td', { text: r.listener }),
    el('td', { text: r.reason }), el('td', { text: String(r.count) })));
  document.querySelector('#refusals tbody').replaceChildren(...rows);
  $('refusals').hidden = rows.length === 0;
  $('no-refusals').hidden = rows.length !== 0;
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', () => logout(''));
  show();
});
