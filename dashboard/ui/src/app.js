// The otlpd dashboard: routes (#/traces, #/trace/ID, #/metrics/NAME,
// #/logs), the live tail of the three signals, and the status bar.
import { SignalStore } from './arrow_data.js';
import { el, clear } from './dom.js';
import { TraceModel, TraceListView, renderTrace } from './traces.js';
import { MetricModel, MetricView } from './metrics.js';
import { LogModel, LogView } from './logs.js';
import { updateStatus } from './status.js';

const POLL_MS = 1000;

const traces = new TraceModel();
const metrics = new MetricModel();
const logs = new LogModel();
const stores = [
  new SignalStore('traces', (b) => traces.addBatch(b)),
  new SignalStore('metrics', (b) => metrics.addBatch(b)),
  new SignalStore('logs', (b) => logs.addBatch(b)),
];

const view = document.getElementById('view');
const pages = {
  traces: el('section', { id: 'page-traces', class: 'page' }),
  trace: el('section', { id: 'page-trace', class: 'page' }),
  metrics: el('section', { id: 'page-metrics', class: 'page' }),
  logs: el('section', { id: 'page-logs', class: 'page' }),
};
view.append(...Object.values(pages));

const openTrace = (id) => { location.hash = `#/trace/${id}`; };
const traceList = new TraceListView(traces, pages.traces, openTrace);
const metricView = new MetricView(metrics, pages.metrics);
const logView = new LogView(logs, pages.logs, openTrace);

let route = { page: 'traces', arg: '' };

function parseRoute() {
  const parts = location.hash.replace(/^#\/?/, '').split('/');
  const page = pages[parts[0]] ? parts[0] : 'traces';
  return { page, arg: decodeURIComponent(parts.slice(1).join('/')) };
}

function show() {
  route = parseRoute();
  for (const [name, p] of Object.entries(pages)) p.hidden = name !== route.page;
  for (const t of ['traces', 'metrics', 'logs'])
    document.getElementById(`tab-${t}`).classList.toggle('active', route.page === t || (t === 'traces' && route.page === 'trace'));
  draw(true);
}

function draw(force = false) {
  if (route.page === 'traces') traceList.refresh();
  else if (route.page === 'trace') { if (force) renderTrace(traces, route.arg, pages.trace, () => { location.hash = '#/traces'; }); }
  else if (route.page === 'metrics') { if (route.arg && route.arg !== metricView.selected) metricView.select(route.arg); else metricView.refresh(force); }
  else logView.refresh();
}

let live = true;
const liveButton = document.getElementById('live');
liveButton.addEventListener('click', () => {
  live = !live;
  liveButton.textContent = live ? 'Live: on' : 'Live: paused';
  liveButton.classList.toggle('on', live);
  if (live) tick();
});

let busy = false;
async function tick() {
  if (busy || !live) return;
  busy = true;
  try {
    let changed = false;
    for (const s of stores) if (await s.poll()) changed = true;
    // A trace being looked at gains its late spans too.
    if (changed) draw(route.page === 'trace');
  } catch (e) {
    document.getElementById('status').textContent = `error: ${e.message}`;
  } finally {
    busy = false;
  }
}

window.addEventListener('hashchange', show);
show();
tick();
setInterval(tick, POLL_MS);
const status = document.getElementById('status');
updateStatus(status);
setInterval(() => updateStatus(status), 2000);
// For tests and the curious: how much is loaded, and the chart drawn
// (metricView.plot.data is what uPlot plots).
window.otlpdDashboard = { traces, metrics, logs, stores, clear, metricView };
