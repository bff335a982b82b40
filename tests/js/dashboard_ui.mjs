// Drives the dashboard in Debian's chromium (headless, playwright-core; no
// browser is ever downloaded) against the real otlpd fed by the OpenTelemetry
// JS SDK: empty state, trace list, waterfall, metric chart, logs with a link
// to their trace, live tail with pause/resume, 100 000 spans staying
// responsive; screenshots of each view; no console error, no CSP violation.
//
//   node dashboard_ui.mjs --dashboard URL --otlp URL --shots DIR --work DIR --interval SECS
import { spawnSync } from 'node:child_process';
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
  const limit = (Number(args.interval) + 2) * 1000 + 3000;
  await page.waitForSelector(`.trace-row[data-trace="${root.trace_id}"]`, { timeout: limit });
  const rowText = await page.textContent(`.trace-row[data-trace="${root.trace_id}"]`);
  check(rowText.includes(root.name) && rowText.includes('sdk-ui') && rowText.includes('3') && rowText.includes('error'),
    `trace row reads "${rowText}"`);
  await page.waitForSelector('#status .counter', { timeout: 10000 });
  await shot('traces');
  ok('trace list shows the sent trace: root name, service, span count, error flag; status bar filled');

  // Filters and search narrow the list.
  await page.fill('#f-text', 'no such thing anywhere');
  await page.waitForSelector('#page-traces .empty:has-text("No trace matches")');
  await page.fill('#f-text', 'deadline');
  await page.fill('#f-text', 'checkout ui');
  await page.waitForSelector(`.trace-row[data-trace="${root.trace_id}"]`);
  await page.fill('#f-text', '');
  ok('search over names and attributes filters the list');

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
  ok('metric charts: the gauge point 21.5 drawn per attribute set; histogram as percentiles; all sent metrics listed');

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
  const live = send('live');
  const t0 = Date.now();
  const liveRoot = live.spans.find((s) => s.parent_span_id === null);
  await page.waitForSelector(`.trace-row[data-trace="${liveRoot.trace_id}"]`, { timeout: (Number(args.interval) + 2) * 1000 + 1000 });
  const took = Date.now() - t0;
  await shot('live');
  ok(`live tail: a trace sent after the page loaded appeared in ${took} ms (limit write_interval_secs + 2 s)`);
  await page.click('#live');
  const paused = send('paused');
  const pausedRoot = paused.spans.find((s) => s.parent_span_id === null);
  await page.waitForTimeout((Number(args.interval) + 2) * 1000);
  check(await page.$(`.trace-row[data-trace="${pausedRoot.trace_id}"]`) === null, 'paused, yet new data appeared');
  await page.click('#live');
  await page.waitForSelector(`.trace-row[data-trace="${pausedRoot.trace_id}"]`, { timeout: limit });
  ok('live tail pauses and resumes');

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
