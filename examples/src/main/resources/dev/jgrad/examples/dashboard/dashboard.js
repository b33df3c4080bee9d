// The jgrad dashboard page: polls the server's JSON API (see DashboardServer) and redraws its uPlot charts in place.
// URL parameters: runs=a,b (runs to overlay), x=step|seconds|tokens, smoothing=0..0.99, view=study, study=NAME,
// sort=COLUMN or -COLUMN (the trials table, descending with -), poll=MILLISECONDS (default 1000).
'use strict';

const params = new URLSearchParams(location.search);
const POLL_MS = Math.max(100, Number(params.get('poll')) || 1000);
const COLORS = ['#1e88e5', '#e53935', '#43a047', '#fb8c00', '#8e24aa', '#00897b', '#6d4c41', '#3949ab'];
// Each chart: an id, a title and the [part, column] series it draws per run (part: train or val).
const CHARTS = [
  {id: 'loss', title: 'Loss', series: [['train', 'loss'], ['val', 'loss']]},
  {id: 'perplexity', title: 'Perplexity', series: [['train', 'perplexity'], ['val', 'perplexity']]},
  {id: 'lr', title: 'Learning rate', series: [['train', 'lr']]},
  {id: 'grad_norm', title: 'Gradient norm (before clipping)', series: [['train', 'grad_norm']]},
  {id: 'tokens_per_sec', title: 'Tokens per second', series: [['train', 'tokens_per_sec']]},
];

const state = {
  runs: [], studies: [], live: null,
  selected: new Set((params.get('runs') || '').split(',').filter(s => s)),
  chosenByUrl: params.has('runs'),
  xAxis: params.get('x') || 'step',
  smoothing: Number(params.get('smoothing')) || 0,
  view: params.get('view') === 'study' ? 'study' : 'runs',
  study: params.get('study'),
  sort: {column: (params.get('sort') || 'trial').replace(/^-/, ''), ascending: !(params.get('sort') || '').startsWith('-')},
  plots: {},          // chart id -> {plot, signature}
};

const $ = id => document.getElementById(id);

/** A short axis label: 12k for 12000, 3e-4 for 0.0003, three significant digits otherwise. */
function tick(v) {
  if (v === null) return '';
  const a = Math.abs(v);
  if (a >= 1e6) return +(v / 1e6).toPrecision(3) + 'M';
  if (a >= 1e4) return +(v / 1e3).toPrecision(3) + 'k';
  if (a !== 0 && a < 0.01) return v.toExponential(1).replace('.0e', 'e');
  return String(+v.toPrecision(3));
}
const AXES = [{values: (u, vals) => vals.map(tick)}, {size: 60, values: (u, vals) => vals.map(tick)}];

async function getJson(path) {
  const res = await fetch(path, {cache: 'no-store'});
  if (!res.ok) throw new Error(path + ': HTTP ' + res.status);
  return res.json();
}

// ---- runs view ----

/** The run checkboxes; redrawn only when the list of runs changes. */
function renderRunChoice() {
  const box = $('run-choice');
  const key = state.runs.join('|');
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  box.innerHTML = '';
  if (state.runs.length === 0) box.innerHTML = '<span class="empty">No runs here yet.</span>';
  state.runs.forEach((name, i) => {
    const label = document.createElement('label');
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.value = name;
    input.checked = state.selected.has(name);
    input.addEventListener('change', () => {
      if (input.checked) state.selected.add(name); else state.selected.delete(name);
      refresh();
    });
    label.append(input, ' ' + name + (name === state.live ? ' (live)' : ''));
    label.style.color = COLORS[i % COLORS.length];
    box.append(label);
  });
}

/** Exponential moving average with TensorBoard's debiasing, so the first points are not pulled towards 0. */
function smooth(values, weight) {
  if (!weight) return values;
  let last = 0, n = 0;
  return values.map(v => {
    if (v === null) return null;
    last = last * weight + (1 - weight) * v;
    n++;
    return last / (1 - Math.pow(weight, n));
  });
}

/** One chart's aligned data for uPlot: [xs, ys of run 1 train, ys of run 1 val, ...], joined on x. */
function chartData(chart, runs) {
  const tables = [], labels = [];
  for (const run of runs) {
    for (const [part, column] of chart.series) {
      const cols = run.data[part];
      const xs = [], ys = [];
      const smoothed = part === 'train' ? smooth(cols[column], state.smoothing) : cols[column];
      cols[state.xAxis].forEach((x, i) => {
        if (x !== null && (xs.length === 0 || x > xs[xs.length - 1])) { xs.push(x); ys.push(smoothed[i]); }
      });
      tables.push([xs, ys]);
      labels.push({run: run.name, part, color: run.color, points: ys.filter(y => y !== null).length});
    }
  }
  return {data: tables.length ? uPlot.join(tables) : [[]], labels};
}

function drawChart(chart, runs) {
  const {data, labels} = chartData(chart, runs);
  let holder = $('chart-' + chart.id);
  if (!holder) {
    holder = document.createElement('div');
    holder.className = 'chart';
    holder.id = 'chart-' + chart.id;
    holder.innerHTML = '<h2>' + chart.title + '</h2>';
    $('charts').append(holder);
  }
  holder.dataset.points = labels.reduce((sum, l) => sum + l.points, 0);
  holder.dataset.series = labels.map(l => l.run + ' ' + l.part).join('|');
  const signature = state.xAxis + '|' + holder.dataset.series;
  const existing = state.plots[chart.id];
  if (existing && existing.signature === signature) { existing.plot.setData(data); return; }
  if (existing) existing.plot.destroy();
  const opts = {
    width: Math.max(400, holder.clientWidth - 10), height: 260,
    scales: {x: {time: false}}, axes: AXES,
    series: [{label: state.xAxis}].concat(labels.map(l => ({
      label: l.run + ' ' + l.part, stroke: l.color, width: l.part === 'val' ? 2 : 1.5,
      dash: l.part === 'val' ? [6, 4] : undefined, spanGaps: true, points: {show: l.part === 'val'},
    }))),
  };
  state.plots[chart.id] = {plot: new uPlot(opts, data, holder), signature};
}

function renderLive(live) {
  const box = $('live');
  if (!live) { box.innerHTML = ''; return; }
  const eta = live.eta_seconds === null ? '?' : formatSeconds(live.eta_seconds);
  box.innerHTML = '';
  const items = [
    ['run', live.run], ['state', live.state], ['step', live.step + ' / ' + live.max_steps],
    ['tokens/s', Math.round(live.tokens_per_sec).toLocaleString()], ['ETA', eta],
    ['memory', (live.heap_used_bytes / 2 ** 20).toFixed(0) + ' / ' + (live.heap_max_bytes / 2 ** 20).toFixed(0) + ' MiB heap'],
  ];
  if (live.val_loss !== null) items.push(['val loss', live.val_loss.toFixed(4)]);
  for (const [k, v] of items) {
    const span = document.createElement('span');
    span.dataset.key = k;
    span.textContent = k + ': ' + v;
    box.append(span);
  }
}

function formatSeconds(s) {
  s = Math.round(s);
  const h = Math.floor(s / 3600), m = Math.floor(s % 3600 / 60);
  return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
}

function renderSamples(runs) {
  const box = $('samples');
  const all = runs.flatMap(r => r.data.samples.map(s => ({run: r.name, color: r.color, ...s})));
  if (all.length === 0) { box.innerHTML = '<p class="empty">No samples yet (they are written after each evaluation).</p>'; return; }
  all.sort((a, b) => b.step - a.step);
  box.innerHTML = '';
  for (const s of all.slice(0, 6)) {
    const h = document.createElement('div');
    h.style.color = s.color;
    h.textContent = s.run + ' at step ' + s.step + ' (val loss ' + s.val_loss + ')';
    const pre = document.createElement('pre');
    pre.textContent = s.text;
    box.append(h, pre);
  }
}

function renderChartTable(runs) {
  const body = $('chart-data').querySelector('tbody');
  body.innerHTML = '';
  for (const r of runs) {
    const tr = document.createElement('tr');
    tr.dataset.run = r.name;
    tr.dataset.trainPoints = r.data.train.step.length;
    tr.dataset.valPoints = r.data.val.step.length;
    tr.dataset.samples = r.data.samples.length;
    for (const v of [r.name, r.data.train.step.length, r.data.val.step.length, r.data.samples.length]) {
      const td = document.createElement('td');
      td.textContent = v;
      tr.append(td);
    }
    body.append(tr);
  }
}

async function refreshRuns() {
  if (!state.chosenByUrl && state.selected.size === 0 && state.runs.length) {
    state.selected.add(state.live && state.runs.includes(state.live) ? state.live : state.runs[state.runs.length - 1]);
  }
  renderRunChoice();
  const names = state.runs.filter(n => state.selected.has(n));
  const runs = await Promise.all(names.map(async name => ({
    name, color: COLORS[state.runs.indexOf(name) % COLORS.length],
    data: await getJson('/api/run?name=' + encodeURIComponent(name)),
  })));
  for (const chart of CHARTS) drawChart(chart, runs);
  renderSamples(runs);
  renderChartTable(runs);
  renderLive(state.live ? await getJson('/api/live') : null);
}

// ---- study view ----

function renderStudyChoice() {
  const select = $('study-choice');
  const key = state.studies.join('|');
  if (select.dataset.key === key) return;
  select.dataset.key = key;
  select.innerHTML = '';
  for (const s of state.studies) select.append(new Option(s, s, false, s === state.study));
}

function trialValue(t, column) {
  if (column in t) return t[column];
  return t.params[column];
}

function renderTrials(study) {
  const table = $('trials');
  const paramNames = [...new Set(study.trials.flatMap(t => Object.keys(t.params)))];
  const columns = ['trial', 'metric', 'steps', 'seconds', 'note', ...paramNames];
  const {column, ascending} = state.sort;
  const rows = [...study.trials].sort((a, b) => {
    const x = trialValue(a, column), y = trialValue(b, column);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;       // missing values last either way
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * (ascending ? 1 : -1);
  });
  const metrics = study.trials.map(t => t.metric).filter(m => m !== null);
  const best = metrics.length ? Math.min(...metrics) : null;
  table.innerHTML = '';
  table.dataset.trials = rows.length;
  table.dataset.sortColumn = column;
  table.dataset.sortAscending = ascending;
  const head = table.createTHead().insertRow();
  for (const c of columns) {
    const th = document.createElement('th');
    th.textContent = c + (c === column ? (ascending ? ' ▲' : ' ▼') : '');
    th.addEventListener('click', () => {
      state.sort = {column: c, ascending: c === column ? !ascending : true};
      renderTrials(study);
    });
    head.append(th);
  }
  const body = table.createTBody();
  for (const t of rows) {
    const tr = body.insertRow();
    tr.dataset.trial = t.trial;
    if (t.metric !== null && t.metric === best) tr.className = 'best';
    for (const c of columns) {
      const v = trialValue(t, c);
      tr.insertCell().textContent = v === null || v === undefined ? '' : typeof v === 'number' ? +v.toPrecision(5) : v;
    }
  }
}

function scatterChart(id, title, xLabel, xs, series) {
  let holder = $(id);
  if (!holder) {
    holder = document.createElement('div');
    holder.className = 'chart';
    holder.id = id;
    holder.innerHTML = '<h2>' + title + '</h2>';
    $('study-charts').append(holder);
  }
  if (state.plots[id]) state.plots[id].plot.destroy();
  holder.dataset.points = xs.length;
  const opts = {
    width: Math.max(400, holder.clientWidth - 10), height: 240, scales: {x: {time: false}}, axes: AXES,
    series: [{label: xLabel}].concat(series.map(s => s.line
      ? {label: s.label, stroke: s.color, width: 2}
      : {label: s.label, stroke: s.color, paths: () => null, points: {show: true, size: 7, fill: s.color}})),
  };
  state.plots[id] = {plot: new uPlot(opts, [xs, ...series.map(s => s.ys)], holder), signature: ''};
}

function renderStudyCharts(study) {
  const done = study.trials.filter(t => t.metric !== null);
  let best = Infinity;
  const bestSoFar = done.map(t => (best = Math.min(best, t.metric)));
  scatterChart('study-best', 'Objective by trial, and best so far', 'trial', done.map(t => t.trial), [
    {label: 'objective', color: '#1e88e5', ys: done.map(t => t.metric)},
    {label: 'best so far', color: '#43a047', ys: bestSoFar, line: true},
  ]);
  const paramNames = [...new Set(study.trials.flatMap(t => Object.keys(t.params)))];
  for (const p of paramNames) {
    // Text values (a choice) go on the x axis by their index among the sorted distinct values.
    const values = [...new Set(done.map(t => t.params[p]).filter(v => typeof v === 'string'))].sort();
    const pairs = done.filter(t => p in t.params)
      .map(t => [typeof t.params[p] === 'number' ? t.params[p] : values.indexOf(t.params[p]), t.metric])
      .sort((a, b) => a[0] - b[0]);
    const title = p + ' against the objective' + (values.length ? ' (' + values.map((v, i) => i + ': ' + v).join(', ') + ')' : '');
    scatterChart('study-param-' + p, title, p, pairs.map(q => q[0]), [{label: 'objective', color: '#8e24aa', ys: pairs.map(q => q[1])}]);
  }
}

async function refreshStudy() {
  if (!state.study && state.studies.length) state.study = state.studies[state.studies.length - 1];
  renderStudyChoice();
  if (!state.study) { $('trials').innerHTML = '<caption class="empty">No search study here yet.</caption>'; return; }
  const study = await getJson('/api/study?name=' + encodeURIComponent(state.study));
  $('best').textContent = study.best ? 'best: trial ' + study.best.trial + ', objective ' + (+study.best.metric).toPrecision(5)
    + ', ' + Object.entries(study.best.params || {}).map(([k, v]) => k + '=' + (typeof v === 'number' ? +v.toPrecision(4) : v)).join(' ')
    : 'no finished trial yet';
  renderTrials(study);
  renderStudyCharts(study);
}

// ---- polling ----

async function refresh() {
  const list = await getJson('/api/list');
  state.runs = list.runs;
  state.studies = list.studies;
  state.live = list.live;
  $('tab-study').hidden = list.studies.length === 0 && state.view !== 'study';
  if (state.view === 'runs') await refreshRuns(); else await refreshStudy();
  document.body.dataset.updated = Number(document.body.dataset.updated || 0) + 1;
}

async function poll() {
  try {
    await refresh();
    $('root-note').textContent = '';
  } catch (e) {
    $('root-note').textContent = 'cannot reach the server: ' + e.message;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

function show(view, redraw) {
  state.view = view;
  $('view-runs').hidden = view !== 'runs';
  $('view-study').hidden = view !== 'study';
  $('tab-runs').classList.toggle('active', view === 'runs');
  $('tab-study').classList.toggle('active', view === 'study');
  if (redraw) refresh().catch(() => {});
}

$('tab-runs').addEventListener('click', () => show('runs', true));
$('tab-study').addEventListener('click', () => show('study', true));
$('x-axis').value = state.xAxis;
$('x-axis').addEventListener('change', e => { state.xAxis = e.target.value; refresh(); });
$('smoothing').value = state.smoothing;
$('smoothing-value').textContent = state.smoothing;
$('smoothing').addEventListener('input', e => {
  state.smoothing = Number(e.target.value);
  $('smoothing-value').textContent = state.smoothing;
  refresh();
});
$('study-choice').addEventListener('change', e => { state.study = e.target.value; refresh(); });
show(state.view, false);
poll();
