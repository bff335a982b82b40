// Drives the dashboard in Debian's chromium (headless, playwright-core; no
// browser is ever downloaded) against the real otlpd fed by the OpenTelemetry
// JS SDK: empty state, trace list and its filters, the status bar's
// counters, waterfall, metric chart, logs with a link to their trace, live
// tail with pause/resume, the demo stream (scripts/demo.sh), 100 000 spans
// staying responsive; screenshots of each view; no console error, no CSP
// violation.
//
//   node dashboard_ui.mjs --dashboard URL --otlp URL --shots DIR --work DIR --interval SECS
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    dashboard: { type: 'string' }, otlp: { type: 'string' }, shots: { type: 'string' },
    work: { type: 'string' }, interval: { type: 'string', default: '1' },
  },
});
mkdirSync(args.shots, { recursive: true });

let failed = false;
const ok = (msg) => console.log(`ok: ${msg}`);
function check(cond, msg) {
  if (!cond) throw new Error(msg);
}

function send(tag) {
  const out = join(args.work, `sent-${tag}.json`);
  const r = spawnSync(process.execPath, [join(here, 'send_sdk.mjs'), '--protocol', 'http/protobuf',
    '--endpoint', args.otlp, '--out', out, '--tag', tag], { encoding: 'utf8' });
  check(r.status === 0, `send_sdk.mjs ${tag} failed: ${r.stderr}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}

// One trace of a root span and a child, straight over OTLP/HTTP JSON; the
// ids of both. The send is answered once the receiver has accepted it.
async function postTrace({ service, name, startMs, durMs, error = false, attrs = {} }) {
  const traceId = randomBytes(16).toString('hex');
  const rootId = randomBytes(8).toString('hex');
  const ns = (ms) => (BigInt(Math.round(ms)) * 1000000n).toString();
  const attributes = Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));
  const spans = [
    { traceId, spanId: rootId, name, startTimeUnixNano: ns(startMs), endTimeUnixNano: ns(startMs + durMs),
      attributes, status: { code: error ? 2 : 1 } },
    { traceId, spanId: randomBytes(8).toString('hex'), parentSpanId: rootId, name: `${name} child`,
      startTimeUnixNano: ns(startMs + 1), endTimeUnixNano: ns(startMs + durMs - 1) },
  ];
  const res = await fetch(`${args.otlp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeSpans: [{ spans }] }] }) });
  check(res.ok, `sending trace ${name} answered ${res.status}`);
  return { traceId, rootId };
}

// A fresh profile directory per run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(join(args.work, 'chromium-profile'), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1400, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-quic', '--no-first-run', '--disable-sync'],
});
const problems = [];
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  page.on('console', (m) => { if (m.type() === 'error' || /Content.Security.Policy/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  const shot = async (name) => page.screenshot({ path: join(args.shots, `${name}.png`), fullPage: false });

  // Empty output directory: a helpful empty state.
  await page.goto(args.dashboard);
  await page.waitForSelector('#page-traces .empty:has-text("No traces yet")', { timeout: 10000 });
  await shot('empty');
  ok('empty output directory shows the empty state');

  // The trace list shows the sent trace.
  const sent = send('ui');
  const root = sent.spans.find((s) => s.parent_span_id === null);
  // A second trace unlike it in every filter: another service, no error,
  // 5 ms, two hours old, and a word found only in an attribute value.
  const other = await postTrace({ service: 'filter-other', name: 'other op', startMs: Date.now() - 2 * 3600e3,
    durMs: 5, attrs: { note: 'needle-value-xyz' } });
  const limit = (Number(args.interval) + 2) * 1000 + 3000;
  await page.waitForSelector(`.trace-row[data-trace="${root.trace_id}"]`, { timeout: limit });
  await page.waitForSelector(`.trace-row[data-trace="${other.traceId}"]`, { timeout: limit });
  const rowText = await page.textContent(`.trace-row[data-trace="${root.trace_id}"]`);
  check(rowText.includes(root.name) && rowText.includes('sdk-ui') && rowText.includes('3') && rowText.includes('error'),
    `trace row reads "${rowText}"`);
  // The pipeline's counters reach the status bar a few seconds after the
  // data (children report every second, the supervisor relays, the bar
  // polls): wait for them, do not read once.
  const counters = await page.waitForFunction((spans) => {
    const v = (label) => Number(document.querySelector(`#status .counter[title="${label}"] b`)?.textContent ?? 0);
    const c = { received: v('received'), written: v('written') };
    return c.received >= spans && c.written >= spans ? c : null;
  }, sent.spans.length + 2, { timeout: 15000 }).then((h) => h.jsonValue());
  await shot('traces');
  ok(`trace list shows the sent trace: root name, service, span count, error flag; status bar: received ${counters.received}, written ${counters.written}`);

  // Each filter keeps the one trace and drops the other.
  const both = [root.trace_id, other.traceId];
  const shows = async (what, want) => {
    try {
      await page.waitForFunction(([ids, w]) => {
        const shown = new Set([...document.querySelectorAll('#page-traces .trace-row[data-trace]')].map((r) => r.dataset.trace));
        return ids.every((id) => shown.has(id) === w.includes(id));
      }, [both, want], { timeout: 3000 });
    } catch {
      throw new Error(`filter ${what}: expected ${want.length ? want.join(', ') : 'no trace'} of ${both.join(', ')}`);
    }
  };
  await shows('none', both);
  await page.selectOption('#f-service', 'sdk-ui');
  await shows('service sdk-ui', [root.trace_id]);
  await page.selectOption('#f-service', 'filter-other');
  await shows('service filter-other', [other.traceId]);
  await page.selectOption('#f-service', '');
  await page.selectOption('#f-status', 'error');
  await shows('status errors', [root.trace_id]);
  await page.selectOption('#f-status', 'ok');
  await shows('status no errors', [other.traceId]);
  await page.selectOption('#f-status', 'all');
  await page.fill('#f-min', '100');
  await shows('minimum duration 100 ms', [root.trace_id]);
  await page.fill('#f-min', '');
  await page.selectOption('#f-range', '1h');
  await shows('last hour', [root.trace_id]);
  await page.selectOption('#f-range', 'all');
  await shows('all time', both);
  await page.fill('#f-name', 'other');
  await shows('root name', [other.traceId]);
  await page.fill('#f-name', '');
  await page.fill('#f-text', 'no such thing anywhere');
  await page.waitForSelector('#page-traces .empty:has-text("No trace matches")');
  await page.fill('#f-text', 'checkout ui');
  await shows('search a name', [root.trace_id]);
  // Words that are in attribute values only, in no span name.
  await page.fill('#f-text', 'needle-value-xyz');
  await shows('search an attribute value', [other.traceId]);
  await page.fill('#f-text', 'ÜNÏCODE');
  await shows('search an array attribute value', [root.trace_id]);
  await page.fill('#f-text', '');
  await shows('none', both);
  ok('filters: service, status, minimum duration, time range, root name; search over names and attribute values');

  // Clicking it opens the waterfall with the right spans.
  await page.click(`.trace-row[data-trace="${root.trace_id}"]`);
  await page.waitForSelector('#waterfall .wf-row');
  const wf = await page.$$eval('#waterfall .wf-row', (rows) => rows.map((r) => ({ span: r.dataset.span, depth: Number(r.dataset.depth), text: r.textContent })));
  check(wf.length === sent.spans.length, `waterfall has ${wf.length} rows, sent ${sent.spans.length}`);
  for (const s of sent.spans) {
    const r = wf.find((x) => x.span === s.span_id);
    check(r && r.text.includes(s.name), `span ${s.name} missing from the waterfall`);
    check(r.depth === (s.parent_span_id ? 1 : 0), `span ${s.name} at depth ${r.depth}`);
  }
  check(wf[0].span === root.span_id, 'the root is not first');
  const client = sent.spans.find((s) => s.name === 'SELECT orders');
  await page.click(`.wf-row[data-span="${client.span_id}"]`);
  const detail = await page.textContent('#span-detail');
  check(detail.includes('deadline exceeded') && detail.includes('query.start') && detail.includes('db.rows') &&
    detail.includes('service.version') && detail.includes(root.span_id), `span detail reads "${detail.slice(0, 300)}"`);
  await shot('trace');
  ok('waterfall: the sent spans, nested by parent; the span panel shows status, events, links, resource');

  // A metric chart draws the sent points.
  const gauge = `e2e.temperature.ui`;
  await page.goto(`${args.dashboard}#/metrics/${gauge}`);
  await page.waitForSelector('#metric-chart canvas', { timeout: limit });
  const pts = await page.evaluate((n) => [...window.otlpdDashboard.metrics.metrics.get(n).series.values()].flatMap((s) => s.points.map((p) => p[1])), gauge);
  check(pts.includes(21.5), `gauge points ${JSON.stringify(pts)}`);
  // What uPlot was handed to draw: the gauge's series holds 21.5, at a
  // position inside the plot area.
  const plot = await page.evaluate(() => {
    const v = window.otlpdDashboard.metricView;
    const u = v.plot;
    const ser = u.series.slice(1).map((s, i) => ({ label: s.label, ys: [...u.data[i + 1]] }));
    const drawn = [];
    ser.forEach((s, i) => s.ys.forEach((y, j) => {
      if (y !== null) drawn.push({ label: s.label, y, px: u.valToPos(u.data[0][j], 'x'), py: u.valToPos(y, 'y') });
    }));
    return { selected: v.selected, drawn, w: u.over.clientWidth, h: u.over.clientHeight };
  });
  check(plot.selected === gauge, `the chart shows ${plot.selected}`);
  const p215 = plot.drawn.find((d) => d.y === 21.5 && d.label.includes('e2e.route=/checkout'));
  check(p215, `the chart's data lacks 21.5: ${JSON.stringify(plot.drawn)}`);
  check(p215.px >= 0 && p215.px <= plot.w && p215.py >= 0 && p215.py <= plot.h,
    `21.5 is drawn outside the plot (${p215.px}, ${p215.py} in ${plot.w}x${plot.h})`);
  const legend = await page.textContent('#metric-chart');
  check(legend.includes('e2e.route=/checkout'), 'chart legend lacks the attribute set');
  const listed = await page.$$eval('#metric-list a', (as) => as.map((a) => a.dataset.metric));
  for (const m of sent.metrics) check(listed.includes(m.metric_name), `metric ${m.metric_name} not listed`);
  await shot('metrics');
  await page.click('#metric-list a[data-metric="e2e.latency.ui"]');
  await page.waitForSelector('#metric-chart h3:has-text("e2e.latency.ui")');
  await page.waitForSelector('#metric-chart canvas');
  const hp = await page.evaluate(() => [...window.otlpdDashboard.metrics.metrics.get('e2e.latency.ui').series.keys()]);
  check(hp.some((k) => k.endsWith('p50')) && hp.some((k) => k.endsWith('p99')), `histogram series ${hp}`);
  await shot('metrics-histogram');
  ok('metric charts: the gauge point 21.5 in the plotted data, inside the plot, per attribute set; histogram as percentiles; all sent metrics listed');

  // Logs, and the link from a log to its trace.
  await page.goto(`${args.dashboard}#/logs`);
  await page.waitForSelector('.log-row:has-text("disk almost full ui")', { timeout: limit });
  const linked = sent.logs.find((l) => l.trace_id);
  await page.selectOption('#f-severity', '17');
  await page.waitForSelector('#log-count:has-text("1 of")');
  await page.selectOption('#f-severity', '0');
  await shot('logs');
  await page.click(`.log-row a.trace-link[href="#/trace/${linked.trace_id}"]`);
  await page.waitForSelector(`#waterfall .wf-row[data-span="${root.span_id}"]`);
  ok('logs: the sent records, severity filter, and the link to the trace opens its waterfall');

  // Live tail: a trace sent now appears without a reload; pause holds it.
  await page.goto(`${args.dashboard}#/traces`);
  await page.waitForSelector(`.trace-row[data-trace="${root.trace_id}"]`);
  // The bound counts from the moment the trace is sent.
  const bound = (Number(args.interval) + 2) * 1000;
  const t0 = Date.now();
  const live = await postTrace({ service: 'live', name: 'live op', startMs: t0, durMs: 20 });
  await page.waitForSelector(`.trace-row[data-trace="${live.traceId}"]`, { timeout: Math.max(1, t0 + bound - Date.now()) })
    .catch(() => { throw new Error(`live tail: the trace did not appear within ${bound} ms of its send`); });
  const took = Date.now() - t0;
  await shot('live');
  ok(`live tail: a trace sent after the page loaded appeared ${took} ms after its send (limit write_interval_secs + 2 s = ${bound} ms)`);
  await page.click('#live');
  const paused = send('paused');
  const pausedRoot = paused.spans.find((s) => s.parent_span_id === null);
  await page.waitForTimeout((Number(args.interval) + 2) * 1000);
  check(await page.$(`.trace-row[data-trace="${pausedRoot.trace_id}"]`) === null, 'paused, yet new data appeared');
  await page.click('#live');
  await page.waitForSelector(`.trace-row[data-trace="${pausedRoot.trace_id}"]`, { timeout: limit });
  ok('live tail pauses and resumes');

  // The demo stream (scripts/demo.sh, as the README starts it) for 5 s:
  // its three services, an error trace with nested spans, every metric kind
  // it sends, and a log linked to its trace, all on the dashboard.
  const demo = spawn('bash', [join(here, '..', '..', 'scripts', 'demo.sh'), '--endpoint', args.otlp, '--seconds', '5'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let demoOut = '';
  demo.stdout.on('data', (d) => { demoOut += d; });
  demo.stderr.on('data', (d) => { demoOut += d; });
  const demoCode = await new Promise((resolve) => demo.on('close', resolve));
  check(demoCode === 0, `scripts/demo.sh exited ${demoCode}: ${demoOut}`);
  const demoWait = (Number(args.interval) + 2) * 1000 + 5000;
  const demoServices = ['frontend', 'checkout', 'payments'];
  await page.goto(`${args.dashboard}#/traces`);
  await page.waitForFunction((want) => {
    const have = [...document.querySelectorAll('#f-service option')].map((o) => o.value);
    return want.every((s) => have.includes(s));
  }, demoServices, { timeout: demoWait });
  await page.selectOption('#f-status', 'error');
  const errRow = await page.waitForFunction((svcs) => [...document.querySelectorAll('#page-traces .trace-row.error[data-trace]')]
    .map((r) => ({ id: r.dataset.trace, svc: r.children[1].textContent })).find((r) => svcs.includes(r.svc)) ?? null,
  demoServices, { timeout: demoWait }).then((h) => h.jsonValue());
  await page.selectOption('#f-status', 'all');
  await page.goto(`${args.dashboard}#/trace/${errRow.id}`);
  await page.waitForSelector('#waterfall .wf-row');
  const demoWf = await page.$$eval('#waterfall .wf-row', (rows) => rows.map((r) => ({ depth: Number(r.dataset.depth), text: r.textContent,
    error: !!r.querySelector('.wf-bar.error') })));
  check(demoWf.some((r) => r.depth === 2 && r.text.includes('SELECT products') && r.error),
    `demo error trace lacks a failed span two levels down: ${JSON.stringify(demoWf)}`);
  await shot('demo-trace');
  const demoMetrics = { 'demo.requests': 'sum', 'demo.inflight': 'sum', 'demo.latency': 'histogram',
    'demo.payload.size': 'exponential_histogram', 'demo.cpu.utilization': 'gauge', 'demo.queue.depth': 'gauge' };
  await page.goto(`${args.dashboard}#/metrics/demo.latency`);
  // Each entry reads "name kind[ · unit]".
  const kinds = () => page.$$eval('#metric-list a', (as) => Object.fromEntries(as.map((a) =>
    [a.dataset.metric, a.querySelector('.muted').textContent.trim().split(' · ')[0]])));
  for (const until = Date.now() + demoWait; ;) {
    const got = await kinds();
    if (Object.entries(demoMetrics).every(([n, k]) => got[n] === k)) break;
    check(Date.now() < until, `demo metrics not all listed with their kind: ${JSON.stringify(got)}`);
    await page.waitForTimeout(200);
  }
  await page.waitForSelector('#metric-chart canvas');
  await shot('demo-metrics');
  await page.goto(`${args.dashboard}#/logs`);
  await page.fill('#f-log-text', 'frontend');
  const demoLog = await page.waitForSelector('.log-row:has(a.trace-link):has-text("frontend")', { timeout: demoWait });
  const demoLink = await demoLog.$eval('a.trace-link', (a) => a.getAttribute('href'));
  await page.click(`.log-row a.trace-link[href="${demoLink}"]`);
  await page.waitForSelector('#waterfall .wf-row[data-depth="0"]:has-text("GET /")');
  ok(`demo (scripts/demo.sh, 5 s): services ${demoServices.join(', ')}; an error trace with a failed span nested two deep; ` +
    `metrics ${Object.entries(demoMetrics).map(([n, k]) => `${n} (${k})`).join(', ')}; a log linked to its trace`);

  // 100 000 spans: the list stays responsive.
  const N = 100000;
  const perReq = 10000;
  const now = BigInt(Date.now()) * 1000000n;
  for (let r = 0; r < N / perReq; r++) {
    const spans = [];
    for (let i = 0; i < perReq; i++) {
      const k = r * perReq + i;
      const tid = (k + 1).toString(16).padStart(32, '0');
      spans.push({ traceId: tid, spanId: (k + 1).toString(16).padStart(16, '0'), name: `bulk ${k % 50}`,
        startTimeUnixNano: (now + BigInt(k) * 1000n).toString(), endTimeUnixNano: (now + BigInt(k) * 1000n + 5000000n).toString(),
        attributes: [{ key: 'k', value: { intValue: String(k) } }], status: { code: k % 97 === 0 ? 2 : 0 } });
    }
    const res = await fetch(`${args.otlp}/v1/traces`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'bulk' } }] }, scopeSpans: [{ spans }] }] }) });
    check(res.ok, `bulk send answered ${res.status}`);
  }
  await page.waitForFunction((n) => window.otlpdDashboard.traces.spanCount() >= n, N, { timeout: 60000 });
  await page.waitForTimeout(500);
  const timing = await page.evaluate(async () => {
    const input = document.getElementById('f-name');
    const times = [];
    for (const v of ['bulk 1', 'bulk 17', '']) {
      const t = performance.now();
      input.value = v;
      input.dispatchEvent(new Event('input'));
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      times.push(performance.now() - t);
    }
    const list = document.querySelector('#page-traces .vlist');
    for (const y of [50000, 1500000, 2700000]) {
      const t = performance.now();
      list.scrollTop = y;
      await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
      times.push(performance.now() - t);
    }
    return { times, rows: document.querySelectorAll('#page-traces .vlist-rows .row').length };
  });
  await shot('traces-100k');
  const worst = Math.max(...timing.times);
  check(timing.rows < 200, `${timing.rows} rows in the DOM: not virtualised`);
  check(worst < 200, `a filter or scroll took ${worst.toFixed(0)} ms`);
  ok(`100 000 spans: filters and scrolling answer in at most ${worst.toFixed(0)} ms; ${timing.rows} rows in the DOM`);
} catch (e) {
  failed = true;
  console.error(`FAIL: ${e.message}`);
} finally {
  await browser.close();
}
if (problems.length) {
  failed = true;
  for (const p of problems) console.error(`FAIL: ${p}`);
} else {
  ok('no console error and no CSP violation');
}
console.log(`screenshots in ${args.shots}`);
process.exit(failed ? 1 : 0);
