// The metrics-server dashboard: reads the range picker, fetches /api/v1/metrics and
// /api/v1/timeseries for it and draws the tiles, the charts (charts.js) and the model table.
// Refreshes every 30 seconds while a preset ("last …") range is shown.
'use strict';

const PRESETS = { '1h': 3600e3, '6h': 6 * 3600e3, '24h': 24 * 3600e3, '7d': 7 * 86400e3 };
const COLORS = { a: '#2f6fed', b: '#e8590c', c: '#12b886' };
const state = { preset: '24h', start: null, end: null, model: '' };

const fmt = {
  count: (v) => {
    // [from, unit, suffix]: thousands get a suffix from 10,000 on.
    const steps = [[1e12, 1e12, 'T'], [1e9, 1e9, 'B'], [1e6, 1e6, 'M'], [1e4, 1e3, 'k']];
    for (const [from, unit, suffix] of steps) {
      if (v >= from) return `${(v / unit).toFixed(1)}${suffix}`;
    }
    return String(Math.round(v * 10) / 10);
  },
  // Below 10 ms two significant digits, so that a log axis' 0.1 ms and 1 ms ticks differ.
  ms: (v) => (v === null || v === undefined ? '–'
              : v >= 1000                   ? `${(v / 1000).toFixed(2)} s`
              : v >= 10 || v === 0          ? `${Math.round(v)} ms`
                                            : `${Number(v.toPrecision(2))} ms`),
  pct: (v) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`),
};

function currentRange() {
  if (state.preset) {
    const end = Date.now();
    return { start: end - PRESETS[state.preset], end };
  }
  return { start: state.start, end: state.end };
}

// Percent-encodes every name and value. URLSearchParams would send a space as '+', which the
// API reads as a literal plus (RFC 3986 query semantics), so a model named "a b" would match
// nothing.
function queryString(params) {
  return Object.entries(params)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
    .join('&');
}

async function getJson(path, params) {
  const query = queryString(params);
  const response = await fetch(`${path}?${query}`, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error ? body.error.message : `HTTP ${response.status}`);
  return body;
}

function tile(label, value) {
  const div = document.createElement('div');
  div.className = 'tile';
  const l = document.createElement('div');
  l.className = 'label';
  l.textContent = label;
  const v = document.createElement('div');
  v.className = 'value';
  v.textContent = value;
  div.append(l, v);
  return div;
}

function renderSummary(metrics) {
  const o = metrics.overall;
  document.getElementById('summary').replaceChildren(
    tile('Requests', fmt.count(o.requests)),
    tile('Error rate', fmt.pct(o.error_rate)),
    tile('Latency p50', fmt.ms(o.response_time.p50_ms)),
    tile('Latency p95', fmt.ms(o.response_time.p95_ms)),
    tile('Latency p99', fmt.ms(o.response_time.p99_ms)),
    tile('TTFT p50', fmt.ms(o.time_to_first_token.p50_ms)),
    tile('TTFT p95', fmt.ms(o.time_to_first_token.p95_ms)),
    tile('Tokens', fmt.count(o.total_tokens)));
}

// Table rows of per-model or per-endpoint totals: `name` gives the first cell of an item.
function totalsRows(items, name, className) {
  return items.map((m) => {
    const tr = document.createElement('tr');
    tr.className = className;
    const cells = [name(m), fmt.count(m.requests), fmt.pct(m.error_rate),
                   fmt.ms(m.response_time.p50_ms), fmt.ms(m.response_time.p95_ms),
                   fmt.ms(m.time_to_first_token.p50_ms), fmt.ms(m.time_to_first_token.p95_ms),
                   fmt.count(m.prompt_tokens), fmt.count(m.completion_tokens)];
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    return tr;
  });
}

function renderEndpoints(metrics) {
  document.querySelector('#endpoint-table tbody')
    .replaceChildren(...totalsRows(metrics.endpoints, (e) => e.endpoint, 'endpoint-row'));
}

function renderModels(metrics) {
  document.querySelector('#model-table tbody')
    .replaceChildren(...totalsRows(metrics.models, (m) => m.model, 'model-row'));
  const select = document.getElementById('model-filter');
  const known = new Set([...select.options].map((o) => o.value));
  for (const m of metrics.models) {
    if (known.has(m.model)) continue;
    const option = document.createElement('option');
    option.value = m.model;
    option.textContent = m.model;
    select.appendChild(option);
  }
}

function renderCharts(series, metrics) {
  const b = series.buckets;
  const minutes = (x) => Math.max(1e-9, (x.end_ms - x.start_ms) / 60000);
  const opts = { start: series.range.start_ms, end: series.range.end_ms };
  Charts.line(document.getElementById('chart-requests'),
              [{ name: 'requests/min', color: COLORS.a,
                 points: b.map((x) => ({ x: x.start_ms, y: x.requests / minutes(x) })) }],
              { ...opts, format: fmt.count });
  Charts.line(document.getElementById('chart-errors'),
              [{ name: 'error rate', color: COLORS.b,
                 points: b.map((x) => ({ x: x.start_ms, y: x.error_rate })) }],
              { ...opts, format: fmt.pct });
  Charts.line(document.getElementById('chart-latency'),
              [{ name: 'avg latency', color: COLORS.a,
                 points: b.map((x) => ({ x: x.start_ms, y: x.avg_response_time_ms })) },
               { name: 'avg TTFT', color: COLORS.c,
                 points: b.map((x) => ({ x: x.start_ms, y: x.avg_time_to_first_token_ms })) }],
              { ...opts, format: fmt.ms });
  Charts.line(document.getElementById('chart-tokens'),
              [{ name: 'prompt', color: COLORS.a,
                 points: b.map((x) => ({ x: x.start_ms, y: x.prompt_tokens / minutes(x) })) },
               { name: 'completion', color: COLORS.b,
                 points: b.map((x) => ({ x: x.start_ms, y: x.completion_tokens / minutes(x) })) }],
              { ...opts, format: fmt.count });
  const o = metrics.overall;
  const pcts = (s) => [{ name: 'p50', value: s.p50_ms ?? null, color: COLORS.a },
                       { name: 'p95', value: s.p95_ms ?? null, color: COLORS.b },
                       { name: 'p99', value: s.p99_ms ?? null, color: COLORS.c }];
  Charts.bars(document.getElementById('chart-percentiles'),
              [{ label: 'latency', values: pcts(o.response_time) },
               { label: 'time to first token', values: pcts(o.time_to_first_token) }],
              { format: fmt.ms, width: 1300, scale: 'log' });
}

async function refresh() {
  const status = document.getElementById('status');
  const range = currentRange();
  const params = { start: String(Math.floor(range.start)), end: String(Math.floor(range.end)) };
  if (state.model) params.model = state.model;
  try {
    const [metrics, series] = await Promise.all([getJson('/api/v1/metrics', params),
                                                 getJson('/api/v1/timeseries', params)]);
    renderSummary(metrics);
    renderModels(metrics);
    renderEndpoints(metrics);
    renderCharts(series, metrics);
    status.className = 'status';
    status.textContent = `${metrics.range.start} – ${metrics.range.end} · ` +
                         `${metrics.overall.requests} requests · step ${series.step_seconds} s`;
  } catch (error) {
    status.className = 'status error';
    status.textContent = `Could not load metrics: ${error.message}`;
  }
}

function toLocalInput(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

function setup() {
  const buttons = document.querySelectorAll('.presets button');
  for (const button of buttons) {
    button.addEventListener('click', () => {
      state.preset = button.dataset.range;
      buttons.forEach((b) => b.classList.toggle('active', b === button));
      refresh();
    });
  }
  document.getElementById('range-picker').addEventListener('submit', (event) => {
    event.preventDefault();
    const start = Date.parse(document.getElementById('custom-start').value);
    const end = Date.parse(document.getElementById('custom-end').value);
    const status = document.getElementById('status');
    if (Number.isNaN(start) || Number.isNaN(end) || start >= end) {
      status.className = 'status error';
      status.textContent = 'Choose a custom start before its end.';
      return;
    }
    Object.assign(state, { preset: null, start, end });
    buttons.forEach((b) => b.classList.remove('active'));
    refresh();
  });
  document.getElementById('model-filter').addEventListener('change', (event) => {
    state.model = event.target.value;
    refresh();
  });
  const now = Date.now();
  document.getElementById('custom-start').value = toLocalInput(now - PRESETS['24h']);
  document.getElementById('custom-end').value = toLocalInput(now);
  refresh();
  setInterval(() => { if (state.preset) refresh(); }, 30000);
}

setup();
