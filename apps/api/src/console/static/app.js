// The operator console: plain DOM, no framework. Every value from the API goes in as text
// (textContent / value), never as HTML. Data comes from the /admin API, authorised by the
// session cookie; changes send the page's Origin, which the API checks.

const $ = (id) => document.getElementById(id);
const UNSETTLED = new Set(['RECEIVED', 'QUEUED', 'PROCESSING']);

/** An element with properties (className, dataset, onclick, …) and children (text or nodes). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(child == null ? '' : String(child)));
  return node;
}

const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
const badge = (status) => el('span', { className: `status status-${status}` }, status);

/** A table; a column's cell is text or a node; `rowProps(row)` adds attributes to its row. */
function table(columns, rows, rowProps = () => ({})) {
  if (!rows.length) return el('p', { className: 'message' }, 'Nothing to show.');
  const head = el('tr', {}, ...columns.map((c) => el('th', {}, c.label)));
  const body = rows.map((row) => el('tr', rowProps(row), ...columns.map((c) => el('td', { className: c.className ?? '' }, c.cell(row)))));
  return el('table', {}, el('thead', {}, head), el('tbody', {}, ...body));
}

class Unauthorised extends Error {}

/** Calls the admin API with the session cookie; the API's own message on failure. */
async function api(path, init = {}) {
  const res = await fetch(path, { credentials: 'same-origin', ...init, headers: { accept: 'application/json', ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
  if (res.status === 401) {
    showLogin('Your session has ended: log in again.');
    throw new Unauthorised();
  }
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    const message = Array.isArray(json?.message) ? json.message.join('; ') : (json?.message ?? res.statusText);
    throw new Error(`${res.status}: ${message}`);
  }
  return json;
}

const post = (path, body) => api(path, { method: 'POST', ...(body ? { body: JSON.stringify(body) } : {}) });

function report(err) {
  if (err instanceof Unauthorised) return;
  $('error').textContent = err instanceof Error ? err.message : String(err);
}

/** A view's loads may overlap (a tab opened, then a filter sent): only the latest one renders. */
const latest = {};
function ticket(view) {
  const mine = (latest[view] = (latest[view] ?? 0) + 1);
  return () => latest[view] === mine;
}

function replace(containerId, node) {
  $(containerId).replaceChildren(node);
}

// --- login ---

function showLogin(message = '') {
  $('app').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
}

function showApp() {
  $('login').hidden = true;
  $('app').hidden = false;
  $('logout').hidden = false;
  $('error').textContent = '';
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const token = $('token').value;
  const res = await fetch('/console/login', { method: 'POST', credentials: 'same-origin', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
  $('token').value = '';
  if (!res.ok) {
    $('login-error').textContent = res.status === 401 ? 'Wrong admin token: check ADMIN_API_TOKEN and try again.' : `Login failed (HTTP ${res.status}).`;
    return;
  }
  showApp();
  openTab('events');
});

$('logout').addEventListener('click', async () => {
  await fetch('/console/logout', { method: 'POST', credentials: 'same-origin' });
  showLogin('Logged out.');
});

// --- tabs ---

const loaders = {};

function openTab(name) {
  for (const button of document.querySelectorAll('#tabs button')) button.setAttribute('aria-selected', String(button.dataset.tab === name));
  for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== `tab-${name}`;
  $('error').textContent = '';
  loaders[name]().catch(report);
}

for (const button of document.querySelectorAll('#tabs button')) button.addEventListener('click', () => openTab(button.dataset.tab));

// --- events ---

const events = { cursor: null, next: null };

function eventFilters() {
  const form = new FormData($('event-filters'));
  const filters = {};
  for (const name of ['status', 'eventType', 'companyId']) if (form.get(name)) filters[name] = String(form.get(name)).trim();
  const from = form.get('from');
  const to = form.get('to');
  if (from) filters.receivedFrom = new Date(`${from}T00:00:00`).toISOString();
  if (to) filters.receivedBefore = new Date(new Date(`${to}T00:00:00`).getTime() + 86_400_000).toISOString();
  return filters;
}

function eventRow(event) {
  const actions = el('td');
  if (event.status === 'FAILED') actions.append(el('button', { type: 'button', className: 'replay', onclick: () => replayOne(event.id).catch(report) }, 'Replay'));
  actions.append(el('button', { type: 'button', className: 'details', onclick: () => toggleDetails(event.id).catch(report) }, 'Details'));
  return el(
    'tr',
    { dataset: { eventId: event.id } },
    el('td', {}, when(event.receivedAt)),
    el('td', {}, event.eventType),
    el('td', {}, event.companyId ?? ''),
    el('td', { className: 'event-status' }, badge(event.status)),
    el('td', {}, String(event.attempts)),
    el('td', { className: 'error-text' }, event.lastError ?? ''),
    actions,
  );
}

const rowOf = (id) => document.querySelector(`tr[data-event-id="${CSS.escape(id)}"]`);

async function loadEvents() {
  const current = ticket('events');
  const query = new URLSearchParams({ ...eventFilters(), limit: '25', ...(events.cursor ? { cursor: events.cursor } : {}) });
  const page = await api(`/admin/events?${query}`);
  if (!current()) return;
  events.next = page.nextCursor;
  $('events-next').disabled = !page.nextCursor;
  $('events-first').disabled = !events.cursor;
  const head = el('tr', {}, ...['Received', 'Type', 'Company', 'Status', 'Attempts', 'Error', ''].map((h) => el('th', {}, h)));
  replace('events-table', page.data.length ? el('table', {}, el('thead', {}, head), el('tbody', {}, ...page.data.map(eventRow))) : el('p', { className: 'message' }, 'No events match.'));
}
loaders.events = loadEvents;

async function replayOne(id) {
  await post(`/admin/events/${encodeURIComponent(id)}/replay`);
  $('events-message').textContent = 'Event queued again; this row follows its progress.';
  await follow(id);
}

/** Polls one event until it settles, updating its row. */
async function follow(id) {
  for (let i = 0; i < 180; i++) {
    const { data } = await api(`/admin/events/${encodeURIComponent(id)}`);
    rowOf(id)?.replaceWith(eventRow(data));
    if (!UNSETTLED.has(data.status)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function toggleDetails(id) {
  const row = rowOf(id);
  if (row?.nextElementSibling?.classList.contains('details-row')) return row.nextElementSibling.remove();
  const { data } = await api(`/admin/events/${encodeURIComponent(id)}`);
  row?.after(el('tr', { className: 'details-row' }, el('td', { colSpan: 7 }, el('pre', {}, JSON.stringify(data, null, 2)))));
}

$('event-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  events.cursor = null;
  loadEvents().catch(report);
});
$('events-next').addEventListener('click', () => {
  events.cursor = events.next;
  loadEvents().catch(report);
});
$('events-first').addEventListener('click', () => {
  events.cursor = null;
  loadEvents().catch(report);
});
$('bulk-replay').addEventListener('click', async () => {
  const { status: _status, ...filters } = eventFilters();
  if (!confirm('Replay every FAILED event matching the type, company and dates set here?')) return;
  try {
    const result = await post('/admin/events/replay', { status: 'FAILED', ...filters });
    $('events-message').textContent = `${result.replayed} failed event(s) queued again.`;
    await loadEvents();
  } catch (err) {
    report(err);
  }
});

// --- export runs ---

const exportsState = { limit: 25 };

async function loadExports() {
  const current = ticket('exports');
  const form = new FormData($('export-filters'));
  const query = new URLSearchParams({ limit: String(exportsState.limit) });
  for (const name of ['status', 'companyId']) if (form.get(name)) query.set(name, String(form.get(name)).trim());
  const [runs, companyRuns] = await Promise.all([api(`/admin/export-jobs?${query}`), api(`/admin/export-jobs/company-runs?${query.has('companyId') ? `companyId=${encodeURIComponent(query.get('companyId'))}` : ''}`)]);
  if (!current()) return;
  $('exports-more').disabled = runs.data.length < exportsState.limit || exportsState.limit >= 500;
  replace(
    'exports-table',
    table(
      [
        { label: 'Started', cell: (r) => when(r.startedAt) },
        { label: 'Job', cell: (r) => r.jobId },
        { label: 'Company', cell: (r) => r.companyId },
        { label: 'Status', cell: (r) => badge(r.status) },
        { label: 'Items ok / failed / total', cell: (r) => `${r.itemsSucceeded} / ${r.itemsFailed} / ${r.itemsTotal}` },
        { label: 'Reported to Pleo', cell: (r) => (r.finalEventSentAt ? `${r.finalEvent} ${when(r.finalEventSentAt)}` : (r.finalEvent ?? '')) },
        { label: 'Failure', className: 'error-text', cell: (r) => r.failureReason ?? '' },
        { label: '', cell: (r) => el('button', { type: 'button', onclick: (e) => toggleItems(r.jobId, e.target.closest('tr')).catch(report) }, 'Items') },
      ],
      runs.data,
      (r) => ({ dataset: { jobId: r.jobId } }),
    ),
  );
  replace(
    'company-runs-table',
    table(
      [
        { label: 'Company', cell: (r) => r.companyId },
        { label: 'Status', cell: (r) => badge(r.status) },
        { label: 'Attempts', cell: (r) => String(r.attempts) },
        { label: 'Last error', className: 'error-text', cell: (r) => r.lastError ?? '' },
        { label: 'Updated', cell: (r) => when(r.updatedAt) },
      ],
      companyRuns.data,
    ),
  );
}
loaders.exports = loadExports;

async function toggleItems(jobId, row) {
  if (row.nextElementSibling?.classList.contains('details-row')) return row.nextElementSibling.remove();
  const { data } = await api(`/admin/export-jobs/${encodeURIComponent(jobId)}/items?limit=500`);
  const items = table(
    [
      { label: 'Accounting entry', cell: (i) => i.accountingEntryId },
      { label: 'Outcome', cell: (i) => badge(i.status) },
      { label: 'ERP record', cell: (i) => [i.erpNumber, i.erpId].filter(Boolean).join(' · ') },
      { label: 'Reason', className: 'error-text', cell: (i) => (i.failureReason ? `${i.failureReasonType ?? ''}: ${i.failureReason}` : '') },
      { label: 'Reported', cell: (i) => when(i.reportedAt) },
    ],
    data,
  );
  row.after(el('tr', { className: 'details-row' }, el('td', { colSpan: 8 }, items)));
}

$('export-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  exportsState.limit = 25;
  loadExports().catch(report);
});
$('exports-more').addEventListener('click', () => {
  exportsState.limit = Math.min(500, exportsState.limit + 50);
  loadExports().catch(report);
});

// --- connections ---

function connectionColumns() {
  return [
    { label: 'Name', cell: (c) => c.name },
    { label: 'Company', cell: (c) => c.companyId },
    { label: 'ERP', cell: (c) => c.erpKind },
    { label: 'Status', cell: (c) => badge(c.status) },
    { label: 'Reason', className: 'error-text', cell: (c) => c.statusReason ?? '' },
    { label: 'Last verification', className: 'verification', cell: (c) => (c.lastVerification ? `${c.lastVerification.ok ? 'OK' : 'Failed'} (${when(c.lastVerifiedAt)}): ${c.lastVerification.message ?? ''}` : 'never') },
    { label: '', cell: (c) => el('button', { type: 'button', className: 'verify', onclick: (e) => verify(c.id, e.target).catch(report) }, 'Verify') },
  ];
}

async function loadConnections() {
  const current = ticket('connections');
  const { data } = await api('/admin/connections');
  if (!current()) return;
  replace('connections-table', table(connectionColumns(), data, (c) => ({ dataset: { connectionId: c.id } })));
}
loaders.connections = loadConnections;

async function verify(id, button) {
  button.disabled = true;
  $('connections-message').textContent = 'Verifying…';
  try {
    const { data } = await post(`/admin/connections/${encodeURIComponent(id)}/verify`);
    const result = data.lastVerification;
    await loadConnections();
    $('connections-message').textContent = `${data.name}: ${result ? `${result.ok ? 'verified' : 'verification failed'}: ${result.message ?? ''}` : data.status}`;
  } finally {
    button.disabled = false;
  }
}

// --- sandbox books ---

const sandbox = { limit: 50, books: false };

async function loadSandbox() {
  const current = ticket('sandbox');
  const select = $('sandbox-filters').elements.namedItem('connection');
  if (!sandbox.books) {
    sandbox.books = true;
    const { data } = await api('/admin/connections');
    for (const c of data) select.append(el('option', { value: c.id }, `${c.name} (${c.companyId})`));
  }
  const query = new URLSearchParams({ connection: select.value, limit: String(sandbox.limit) });
  const [vendors, entries] = await Promise.all([api(`/admin/sandbox/vendors?${query}`), api(`/admin/sandbox/entries?${query}`)]);
  if (!current()) return;
  $('sandbox-more').disabled = Math.max(vendors.data.length, entries.data.length) < sandbox.limit || sandbox.limit >= 1000;
  replace(
    'sandbox-vendors',
    table(
      [
        { label: 'Number', cell: (v) => v.number },
        { label: 'Name', cell: (v) => v.name },
        { label: 'Pleo vendor', cell: (v) => v.reference ?? '' },
        { label: 'Tax number', cell: (v) => v.taxNumber ?? '' },
        { label: 'Country', cell: (v) => v.country ?? '' },
        { label: 'Currency', cell: (v) => v.currency },
        { label: 'Created', cell: (v) => when(v.createdAt) },
      ],
      vendors.data,
    ),
  );
  replace(
    'sandbox-entries',
    table(
      [
        { label: 'Number', cell: (e) => e.number },
        { label: 'Date', cell: (e) => String(e.date).slice(0, 10) },
        { label: 'Kind', cell: (e) => e.mode },
        { label: 'Description', cell: (e) => e.description },
        { label: 'Total', cell: (e) => `${e.total} ${e.currency}` },
        { label: 'State', cell: (e) => e.state },
        { label: 'Lines', cell: (e) => el('pre', {}, JSON.stringify(e.lines, null, 1)) },
        { label: 'Attachments', cell: (e) => e.attachments.map((a) => `${a.fileName} (${a.size} B)`).join(', ') },
      ],
      entries.data,
    ),
  );
}
loaders.sandbox = loadSandbox;

$('sandbox-filters').addEventListener('submit', (event) => {
  event.preventDefault();
  sandbox.limit = 50;
  loadSandbox().catch(report);
});
$('sandbox-more').addEventListener('click', () => {
  sandbox.limit = Math.min(1000, sandbox.limit + 100);
  loadSandbox().catch(report);
});

// --- start: the session cookie is HttpOnly, so ask the API whether it is still good ---

(async () => {
  const res = await fetch('/admin/events?limit=1', { credentials: 'same-origin' });
  if (res.ok) {
    showApp();
    openTab('events');
  } else {
    showLogin();
  }
})().catch(report);
